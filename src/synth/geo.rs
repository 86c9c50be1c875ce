//! Geography for the synthetic population: states, their place-of-birth codes, towns with
//! districts and postcodes, and the words addresses are made of.
//!
//! Reads: nothing. Writes: nothing.
//! Invariants: place-of-birth codes are the assigned ones of python-stdnum's `my/bp.dat`
//! (docs/domain.md, place-of-birth codes), copied here on purpose rather than imported from
//! padan's normaliser; the first code of a state is its main one. Postcodes are five digits and
//! some start with 0 (Perlis, Kedah, Pulau Pinang), which a spreadsheet export loses.

/// A town: (town, district, postcodes).
pub type Place = (&'static str, &'static str, &'static [&'static str]);

pub struct State {
    pub name: &'static str,
    /// Place-of-birth codes; the first is the main one.
    pub pb: &'static [u8],
    pub places: &'static [Place],
}

pub const STATES: &[State] = &[
    State {
        name: "JOHOR",
        pb: &[1, 21, 22, 23, 24],
        places: &[
            (
                "JOHOR BAHRU",
                "JOHOR BAHRU",
                &["80100", "80250", "81200", "81300"],
            ),
            ("BATU PAHAT", "BATU PAHAT", &["83000", "83200"]),
            ("MUAR", "MUAR", &["84000", "84200"]),
            ("KLUANG", "KLUANG", &["86000"]),
            ("SEGAMAT", "SEGAMAT", &["85000"]),
        ],
    },
    State {
        name: "KEDAH",
        pb: &[2, 25, 26, 27],
        places: &[
            ("ALOR SETAR", "KOTA SETAR", &["05000", "05150", "05400"]),
            ("SUNGAI PETANI", "KUALA MUDA", &["08000", "08100"]),
            ("KULIM", "KULIM", &["09000"]),
            ("JITRA", "KUBANG PASU", &["06000"]),
        ],
    },
    State {
        name: "KELANTAN",
        pb: &[3, 28, 29],
        places: &[
            ("KOTA BHARU", "KOTA BHARU", &["15000", "15200", "16100"]),
            ("PASIR MAS", "PASIR MAS", &["17000"]),
            ("TUMPAT", "TUMPAT", &["16200"]),
            ("TANAH MERAH", "TANAH MERAH", &["17500"]),
        ],
    },
    State {
        name: "MELAKA",
        pb: &[4, 30],
        places: &[
            ("MELAKA", "MELAKA TENGAH", &["75000", "75350", "75450"]),
            ("ALOR GAJAH", "ALOR GAJAH", &["78000"]),
            ("JASIN", "JASIN", &["77000"]),
        ],
    },
    State {
        name: "NEGERI SEMBILAN",
        pb: &[5, 31, 59],
        places: &[
            ("SEREMBAN", "SEREMBAN", &["70000", "70450"]),
            ("PORT DICKSON", "PORT DICKSON", &["71000"]),
            ("KUALA PILAH", "KUALA PILAH", &["72000"]),
        ],
    },
    State {
        name: "PAHANG",
        pb: &[6, 32, 33],
        places: &[
            ("KUANTAN", "KUANTAN", &["25000", "25200", "25300"]),
            ("TEMERLOH", "TEMERLOH", &["28000"]),
            ("BENTONG", "BENTONG", &["28700"]),
        ],
    },
    State {
        name: "PULAU PINANG",
        pb: &[7, 34, 35],
        places: &[
            ("GEORGE TOWN", "TIMUR LAUT", &["10000", "10200", "10400"]),
            ("BUKIT MERTAJAM", "SEBERANG PERAI TENGAH", &["14000"]),
            ("BAYAN LEPAS", "BARAT DAYA", &["11900"]),
            ("BUTTERWORTH", "SEBERANG PERAI UTARA", &["12000", "13400"]),
        ],
    },
    State {
        name: "PERAK",
        pb: &[8, 36, 37, 38, 39],
        places: &[
            ("IPOH", "KINTA", &["30000", "30100", "31400"]),
            ("TAIPING", "LARUT, MATANG DAN SELAMA", &["34000"]),
            ("TELUK INTAN", "HILIR PERAK", &["36000"]),
            ("KAMPAR", "KAMPAR", &["31900"]),
        ],
    },
    State {
        name: "PERLIS",
        pb: &[9, 40],
        places: &[
            ("KANGAR", "PERLIS", &["01000"]),
            ("ARAU", "PERLIS", &["02600"]),
        ],
    },
    State {
        name: "SELANGOR",
        pb: &[10, 41, 42, 43, 44],
        places: &[
            ("SHAH ALAM", "PETALING", &["40000", "40150", "40460"]),
            ("PETALING JAYA", "PETALING", &["46000", "47300"]),
            ("KAJANG", "HULU LANGAT", &["43000"]),
            ("KLANG", "KLANG", &["41000", "41200"]),
            ("SELAYANG", "GOMBAK", &["68100"]),
            ("BANTING", "KUALA LANGAT", &["42700"]),
            ("SEPANG", "SEPANG", &["43900"]),
        ],
    },
    State {
        name: "TERENGGANU",
        pb: &[11, 45, 46],
        places: &[
            ("KUALA TERENGGANU", "KUALA TERENGGANU", &["20000", "21000"]),
            ("KEMAMAN", "KEMAMAN", &["24000"]),
            ("DUNGUN", "DUNGUN", &["23000"]),
        ],
    },
    State {
        name: "SABAH",
        pb: &[12, 47, 48, 49],
        places: &[
            ("KOTA KINABALU", "KOTA KINABALU", &["88000", "88300"]),
            ("SANDAKAN", "SANDAKAN", &["90000"]),
            ("TAWAU", "TAWAU", &["91000"]),
            ("KENINGAU", "KENINGAU", &["89000"]),
        ],
    },
    State {
        name: "SARAWAK",
        pb: &[13, 50, 51, 52, 53],
        places: &[
            ("KUCHING", "KUCHING", &["93000", "93350"]),
            ("SIBU", "SIBU", &["96000"]),
            ("MIRI", "MIRI", &["98000"]),
            ("SRI AMAN", "SRI AMAN", &["95000"]),
            ("KAPIT", "KAPIT", &["96800"]),
        ],
    },
    State {
        name: "WP KUALA LUMPUR",
        pb: &[14, 54, 55, 56, 57],
        places: &[(
            "KUALA LUMPUR",
            "KUALA LUMPUR",
            &["51000", "52100", "53300", "56000", "59100"],
        )],
    },
    State {
        name: "WP LABUAN",
        pb: &[15, 58],
        places: &[("LABUAN", "LABUAN", &["87000"])],
    },
    State {
        name: "WP PUTRAJAYA",
        pb: &[16],
        places: &[("PUTRAJAYA", "PUTRAJAYA", &["62000"])],
    },
];

/// Indices into `STATES`, for the residence tables below.
pub const JOHOR: u8 = 0;
pub const KEDAH: u8 = 1;
pub const KELANTAN: u8 = 2;
pub const MELAKA: u8 = 3;
pub const NSEMBILAN: u8 = 4;
pub const PAHANG: u8 = 5;
pub const PENANG: u8 = 6;
pub const PERAK: u8 = 7;
pub const PERLIS: u8 = 8;
pub const SELANGOR: u8 = 9;
pub const TERENGGANU: u8 = 10;
pub const SABAH: u8 = 11;
pub const SARAWAK: u8 = 12;
pub const KL: u8 = 13;
pub const LABUAN: u8 = 14;
pub const PUTRAJAYA: u8 = 15;

/// Where each community lives (state index, weight).
pub const RESIDENCE_MALAY: &[(u8, u32)] = &[
    (SELANGOR, 18),
    (KELANTAN, 10),
    (TERENGGANU, 7),
    (KEDAH, 9),
    (JOHOR, 12),
    (PAHANG, 6),
    (PERAK, 7),
    (KL, 8),
    (MELAKA, 4),
    (NSEMBILAN, 4),
    (PENANG, 3),
    (PERLIS, 2),
    (PUTRAJAYA, 1),
    (SABAH, 2),
    (SARAWAK, 4),
    (LABUAN, 1),
];
pub const RESIDENCE_CHINESE: &[(u8, u32)] = &[
    (SELANGOR, 25),
    (KL, 18),
    (PENANG, 15),
    (PERAK, 12),
    (JOHOR, 14),
    (SARAWAK, 5),
    (SABAH, 3),
    (MELAKA, 4),
    (NSEMBILAN, 3),
    (PAHANG, 2),
    (KEDAH, 2),
];
pub const RESIDENCE_INDIAN: &[(u8, u32)] = &[
    (SELANGOR, 35),
    (KL, 15),
    (PERAK, 15),
    (PENANG, 10),
    (NSEMBILAN, 10),
    (JOHOR, 7),
    (KEDAH, 5),
    (MELAKA, 3),
];
pub const RESIDENCE_IBAN: &[(u8, u32)] = &[(SARAWAK, 1)];
pub const RESIDENCE_SABAH: &[(u8, u32)] = &[(SABAH, 95), (LABUAN, 5)];
pub const RESIDENCE_KHMER: &[(u8, u32)] = &[(SELANGOR, 60), (KL, 40)];

/// Place-of-birth codes for people born abroad or where the state is not recorded.
pub const PB_ABROAD: &[u8] = &[71, 72, 82];
/// Cambodia.
pub const PB_CAMBODIA: u8 = 62;

pub const STREET_WORDS: &[&str] = &[
    "MAWAR",
    "MELATI",
    "KENANGA",
    "CEMPAKA",
    "ORKID",
    "BUNGA RAYA",
    "MERANTI",
    "SENTOSA",
    "DAMAI",
    "HARMONI",
    "KERUING",
    "BAKAWALI",
    "DAHLIA",
    "SEROJA",
    "TERATAI",
    "SETIA",
    "INDAH",
    "MUTIARA",
    "DELIMA",
    "NURI",
    "MERBAH",
    "BELIBIS",
    "CENDANA",
    "JATI",
    "PUTRA",
    "PERMAI",
    "MEWAH",
    "BAYU",
    "SURIA",
    "INTAN",
];
/// Housing-estate name patterns; `*` is replaced by a street word.
pub const TAMAN_PATTERNS: &[&str] = &[
    "SRI *",
    "* JAYA",
    "DESA *",
    "BUKIT *",
    "* INDAH",
    "SERI *",
    "* PERDANA",
    "* UTAMA",
];
pub const KAMPUNG_WORDS: &[&str] = &[
    "PADANG RUSA",
    "SUNGAI BESAR",
    "BUKIT TERAS",
    "PAYA JARAS",
    "BATU UBAN",
    "PULAU KERENGGA",
    "PASIR PUTEH",
    "SERI AMAN",
    "TELOK GONG",
    "SUNGAI ULAR",
    "PADANG LEMBU",
    "PERMATANG PAUH",
    "BELUKAR",
    "TANJUNG BIDARA",
    "BARU",
    "KUALA SUNGAI",
    "JERAM",
    "SIMPANG TIGA",
    "LUBOK JONG",
    "BENDANG",
    "PARIT RAJA",
    "SEMERAH",
    "GONG BADAK",
    "BUKIT PAYONG",
];
pub const LONGHOUSE_CHIEFS: &[&str] =
    &["LINGGI", "JUGAH", "NYANGGAU", "ENTERI", "BUNGAI", "SAGING"];
pub const RIVERS: &[&str] = &[
    "ENTABAI", "SKRANG", "LEMANAK", "KANOWIT", "MUJONG", "BALEH", "KATIBAS", "AI", "ENGKARI",
];
pub const FLAT_PREFIX: &[&str] = &[
    "PANGSAPURI SRI",
    "PANGSAPURI DESA",
    "FLAT SERI",
    "APARTMENT",
];

/// Address words and their abbreviations (full, short): a record uses the short form with the
/// address-variant rate.
pub const ADDRESS_ABBREVIATIONS: &[(&str, &str)] = &[
    ("JALAN", "JLN"),
    ("TAMAN", "TMN"),
    ("KAMPUNG", "KG"),
    ("LORONG", "LRG"),
    ("PANGSAPURI", "PPR"),
    ("BUKIT", "BKT"),
    ("SUNGAI", "SG"),
];

/// Mobile prefixes (after the leading 0) and their shares; 11 numbers have 8 more digits.
pub const MOBILE_PREFIXES: &[(u8, u32)] = &[
    (12, 25),
    (13, 12),
    (16, 12),
    (17, 12),
    (19, 14),
    (11, 14),
    (14, 6),
    (18, 3),
    (10, 2),
];
