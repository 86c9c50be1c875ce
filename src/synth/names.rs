//! The generator's own name lists and variant tables, as data.
//!
//! Reads: nothing. Writes: nothing.
//! Invariants: every token is upper-case ASCII except the few accented English names (É), which
//! all exist in windows-1252; lists are ordered most common first, because the generator picks
//! from them with Zipf weights (many MUHAMMADs, NURs, SITIs, TANs and LIMs, so that many distinct
//! people look alike). These tables are written for the generator alone: they must never be
//! shared with padan's normaliser, or the synthetic data would test only what the matcher knows.
//! The smaller communities' fathers' names are drawn uniformly (`person`), not with Zipf weights,
//! so that a list of thirty names does not make hundreds of exact namesakes.
//! Multi-word entries ("ZAINAL ABIDIN") are one name written as several tokens.

/// How the first part of a Malay man's name is spelled on his IC.
pub const MUH_FORMS: &[(&str, u32)] = &[
    ("MUHAMMAD", 45),
    ("MOHD", 30),
    ("MUHAMAD", 8),
    ("MOHAMAD", 8),
    ("MOHAMMAD", 5),
    ("MOHAMED", 4),
];

pub const MALAY_M_MODERN: &[&str] = &[
    "HAFIZ",
    "AMIRUL",
    "FAIZ",
    "HAKIM",
    "IRFAN",
    "DANIAL",
    "ARIF",
    "SYAFIQ",
    "AIMAN",
    "FIRDAUS",
    "HAZIQ",
    "AZRI",
    "NAZRI",
    "RIDZUAN",
    "SHAHRUL",
    "KHAIRUL",
    "IZZAT",
    "AKMAL",
    "FAUZI",
    "RIZAL",
    "ZAKI",
    "ANUAR",
    "FARHAN",
    "ADAM",
    "HARIS",
    "ASYRAF",
    "LUQMAN",
    "NAQIUDDIN",
    "ZULHILMI",
    "SHAFIQ",
    "IKMAL",
    "AFIQ",
    "HAIKAL",
    "NAIM",
    "AQIL",
    "FAHMI",
    "HAZWAN",
    "SYAHMI",
    "ALIFF",
    "AMIR",
];

pub const MALAY_M_OLD: &[&str] = &[
    "ISMAIL",
    "IBRAHIM",
    "OMAR",
    "OTHMAN",
    "HASSAN",
    "ROSLAN",
    "AZMAN",
    "YUSOF",
    "ALI",
    "HUSSEIN",
    "ZAINAL ABIDIN",
    "KAMARUDDIN",
    "SULAIMAN",
    "RAZALI",
    "JAMALUDDIN",
    "MAT",
    "SALLEH",
    "MANSOR",
    "HAMZAH",
    "YAACOB",
    "HASHIM",
    "ROSLI",
    "ZAKARIA",
    "MAHMUD",
    "DAUD",
    "MUSA",
    "ZULKIFLI",
    "SAMSUDIN",
    "ISA",
    "JUSOH",
    "AWANG",
    "MAZLAN",
    "NORDIN",
    "SAAD",
    "RAMLI",
    "AZIZ",
    "KASSIM",
    "HARUN",
    "ISHAK",
    "SHAHARUDDIN",
];

pub const ABDUL_SECOND: &[&str] = &[
    "RAHMAN", "AZIZ", "HALIM", "RAZAK", "MALIK", "WAHAB", "KARIM", "LATIF", "HAMID", "GHANI",
    "RASHID", "MAJID", "JALIL", "SAMAD", "MANAF", "RAHIM", "WAHID", "KADIR", "MUTALIB", "SHUKOR",
];

/// Fathers' names as they appear after BIN/BINTI.
pub const MALAY_FATHERS: &[&str] = &[
    "ABDULLAH",
    "ISMAIL",
    "IBRAHIM",
    "AHMAD",
    "ALI",
    "OMAR",
    "HASSAN",
    "YUSOF",
    "OTHMAN",
    "ROSLAN",
    "HUSSEIN",
    "MAT",
    "AZIZ",
    "ZAKARIA",
    "SALLEH",
    "HAMID",
    "MUSA",
    "DAUD",
    "KAMARUDDIN",
    "JUSOH",
    "HASHIM",
    "MAHMUD",
    "MANSOR",
    "YAACOB",
    "RAZALI",
    "SULAIMAN",
    "HAMZAH",
    "AWANG",
    "ROSLI",
    "SAMSUDIN",
    "ZAINAL",
    "NORDIN",
    "ISHAK",
    "HARUN",
    "DERIS",
    "RAMLI",
    "KASSIM",
    "SAID",
    "YAHYA",
    "MOKHTAR",
    "JAAFAR",
    "SHAARI",
    "RAZAK",
    "ARIFFIN",
    "BAKAR",
    "AMIN",
    "NOOR",
];

pub const MALAY_F_NUR: &[&str] = &[
    "AISYAH", "ATIQAH", "SYAFIQAH", "FATIN", "IZZATI", "HIDAYAH", "AIN", "FARAHIN", "ADLINA",
    "AMIRAH", "SYAHIRAH", "FARHANA", "IMAN", "DIYANA", "ALIA", "AFIQAH", "NABILAH", "SYAZANA",
];
pub const MALAY_F_NURUL: &[&str] = &[
    "AIN", "HUDA", "IZZAH", "ASYIKIN", "NADIA", "AINI", "HIDAYAH", "SYAZWANI", "AFIQAH", "FARHANA",
    "ATIKAH", "ASHIKIN", "FATIHAH",
];
pub const MALAY_F_SITI: &[&str] = &[
    "AMINAH",
    "AISYAH",
    "NORHAYATI",
    "ZALEHA",
    "FATIMAH",
    "KHADIJAH",
    "HAJAR",
    "NURHALIZA",
    "SARAH",
    "MARIAM",
    "ZUBAIDAH",
    "ROHANI",
    "NORAINI",
    "SALWA",
    "NORBAYA",
    "RAHMAH",
];
pub const MALAY_F_MODERN: &[&str] = &[
    "AISYAH",
    "ALYA",
    "DAMIA",
    "BATRISYIA",
    "HUMAIRA",
    "QISTINA",
    "IRDINA",
    "SOFEA",
    "NABILA",
    "AMIRA",
    "HANIS",
    "ZULAIKHA",
    "ARISSA",
    "ELLYSA",
    "FARISHA",
    "HANNAH",
];
pub const MALAY_F_OLD: &[&str] = &[
    "ROHANI",
    "ZALEHA",
    "FATIMAH",
    "AMINAH",
    "KALSOM",
    "HALIMAH",
    "NORMAH",
    "ROSNAH",
    "SALMAH",
    "ZAITON",
    "NORAINI",
    "NORHAYATI",
    "ROSMAH",
    "MAIMUNAH",
    "AZIZAH",
    "FAUZIAH",
    "ZURAIDA",
    "HASNAH",
    "MARIAM",
    "KHADIJAH",
    "SAADIAH",
    "ROKIAH",
    "NORAZLINA",
    "HABIBAH",
    "ZAINAB",
    "ASMAH",
    "RAHMAH",
    "SHAMSIAH",
    "ROSLINA",
    "SARIMAH",
];

/// Hereditary prefixes (kept on the IC): (for a man and his children's patronym, for a woman).
pub const HEREDITARY: &[((&str, &str), u32)] = &[
    (("SYED", "SHARIFAH"), 3),
    (("WAN", "WAN"), 3),
    (("NIK", "NIK"), 2),
    (("TENGKU", "TENGKU"), 1),
    (("MEGAT", "PUTERI"), 1),
    (("ABANG", "DAYANG"), 1),
    (("RAJA", "RAJA"), 1),
];

/// Chinese clans, most common first, each with its dialect romanisations and their shares.
/// One person's spelling is fixed on the IC; a family shares the father's spelling.
pub const CHINESE_CLANS: &[(&[(&str, u32)], u32)] = &[
    (&[("TAN", 60), ("CHAN", 25), ("CHIN", 10), ("TING", 5)], 130), // 陈
    (&[("LIM", 85), ("LAM", 15)], 100),                             // 林
    (&[("LEE", 90), ("LI", 10)], 80),                               // 李
    (
        &[
            ("WONG", 45),
            ("NG", 25),
            ("OOI", 15),
            ("WEE", 10),
            ("UNG", 5),
        ],
        75,
    ), // 黄
    (&[("GOH", 50), ("NG", 40), ("GO", 10)], 45),                   // 吴
    (&[("ONG", 60), ("WONG", 40)], 40),                             // 王
    (
        &[("TEO", 35), ("CHONG", 30), ("CHEONG", 20), ("CHANG", 15)],
        40,
    ), // 张
    (&[("YAP", 60), ("YIP", 30), ("YEH", 10)], 30),                 // 叶
    (&[("LAU", 60), ("LOW", 20), ("LIEW", 20)], 30),                // 刘
    (&[("TEH", 50), ("CHENG", 30), ("TAY", 20)], 25),               // 郑
    (&[("LEONG", 75), ("LIANG", 25)], 22),                          // 梁
    (&[("HO", 80), ("HOR", 20)], 20),                               // 何
    (&[("CHIA", 50), ("SEAH", 30), ("CHEAH", 20)], 20),             // 谢
    (&[("KHOO", 50), ("KOH", 30), ("HUI", 20)], 18),                // 许
    (&[("CHEW", 50), ("CHOW", 40), ("CHOU", 10)], 16),              // 周
    (&[("CHUA", 60), ("CHOY", 25), ("CHOI", 15)], 15),              // 蔡
    (&[("KUEK", 40), ("KWOK", 40), ("KOK", 20)], 12),               // 郭
    (&[("YEOH", 60), ("YEO", 25), ("YONG", 15)], 12),               // 杨
    (&[("LOH", 60), ("LOO", 40)], 10),                              // 罗
    (&[("SIM", 70), ("SHIM", 30)], 8),                              // 沈
    (&[("SOO", 60), ("SU", 40)], 6),                                // 苏
];

pub const CHINESE_M: &[&str] = &[
    "WEI", "KOK", "CHEE", "KAH", "SENG", "HOCK", "BENG", "KENG", "LEONG", "MING", "HONG", "KIT",
    "YONG", "CHUN", "JUN", "HAO", "ZHI", "WAI", "KEAT", "TECK", "SOON", "CHOON", "KEONG", "HENG",
    "JIE", "YEW", "KOW", "LOCK", "POH", "BOON", "CHIN", "HUAT", "SIANG",
];
pub const CHINESE_F: &[&str] = &[
    "MEI", "LING", "SIEW", "LAN", "HUI", "YEE", "PEI", "SHAN", "XIN", "WEN", "YING", "FONG",
    "KUAN", "CHOO", "KHENG", "SOOK", "LAI", "YAN", "JIA", "HUEY", "LEE", "CHIN", "KIM", "GAIK",
    "POH", "SZE", "QI",
];
pub const ENGLISH_M: &[&str] = &[
    "JASON", "KELVIN", "MICHAEL", "ALVIN", "DESMOND", "STEVEN", "JOHNNY", "BENJAMIN", "DARREN",
    "GARY", "VINCENT", "RAYMOND", "ANDRÉ", "RENÉ", "ERIC", "JONATHAN",
];
pub const ENGLISH_F: &[&str] = &[
    "MICHELLE",
    "JESSICA",
    "JOANNE",
    "VIVIAN",
    "CHRISTINE",
    "IRENE",
    "JOCELYN",
    "CHERYL",
    "SHARON",
    "GRACE",
    "CAROL",
    "WINNIE",
    "RENÉE",
    "JOSÉPHINE",
    "ZOÉ",
    "AMANDA",
];

pub const INDIAN_M: &[&str] = &[
    "RAJAGOPAL",
    "MURUGAN",
    "KUMAR",
    "SELVAM",
    "GANESAN",
    "RAVI",
    "SURESH",
    "RAMESH",
    "MANIAM",
    "KRISHNAN",
    "SIVA",
    "VIJAY",
    "ARUMUGAM",
    "THIRUCHELVAM",
    "PRAKASH",
    "SARAVANAN",
    "KANNAN",
    "MAHENDRAN",
    "KUMARESAN",
    "DINESH",
    "RAJESH",
    "SATHIS",
];
pub const INDIAN_F: &[&str] = &[
    "KAVITHA",
    "PRIYA",
    "LETCHUMY",
    "SANGEETHA",
    "DEVI",
    "MALAR",
    "SARASWATHY",
    "VANITHA",
    "THILAGAVATHY",
    "MEENA",
    "REVATHI",
    "SHANTHI",
    "PUSHPA",
    "KALAISELVI",
    "JAYANTHI",
    "ANUSHA",
    "DIVYA",
    "KOGILA",
];
pub const INDIAN_FATHERS: &[&str] = &[
    "SUBRAMANIAM",
    "MUNIANDY",
    "RAMASAMY",
    "KRISHNAN",
    "ARUMUGAM",
    "SUPPIAH",
    "PERUMAL",
    "GOVINDASAMY",
    "MUTHU",
    "RAJU",
    "VELLU",
    "NADARAJAN",
    "SINNIAH",
    "PILLAY",
    "MARIMUTHU",
    "KANDASAMY",
    "PERIASAMY",
    "RAMAN",
    "SAMY",
    "ANNAMALAI",
];
pub const SIKH_M: &[&str] = &[
    "GURDIP SINGH",
    "HARJIT SINGH",
    "BALWANT SINGH",
    "JASWANT SINGH",
];
pub const SIKH_F: &[&str] = &[
    "HARJIT KAUR",
    "MANJIT KAUR",
    "SURINDER KAUR",
    "PARAMJIT KAUR",
];
pub const SIKH_FATHERS: &[&str] = &[
    "KARNAIL SINGH",
    "BALWANT SINGH",
    "GURBACHAN SINGH",
    "AJIT SINGH",
    "KULDIP SINGH",
];

pub const IBAN_M: &[&str] = &[
    "JANANG", "UNTING", "LANGGAU", "BUDA", "JUGAH", "NGUMBANG", "SAGAT", "ENTERI", "GANDUM",
    "LINGGI", "JOHNNY", "PETER", "MICHAEL", "BUJANG", "MANDAU", "NYAMBONG", "SANDAI", "JIMBUN",
    "KANANG", "GERINANG", "SAMPURAI", "NANANG", "BANYI", "TINGGANG", "ROBERT", "DAVID",
];
pub const IBAN_F: &[&str] = &[
    "MARY",
    "SALLY",
    "LINDA",
    "JENNY",
    "ENDU",
    "SIMPAI",
    "RENGGIE",
    "NANCY",
    "DAYANG",
    "INDAI",
    "MAYANG",
    "INGKONG",
    "SUMI",
    "KUMANG",
    "LULONG",
    "JANET",
    "ROSE",
    "CHRISTINA",
    "DIANA",
    "SEMPURAI",
    "NGAMBONG",
    "ANGELA",
];
pub const IBAN_FATHERS: &[&str] = &[
    "NYALAU",
    "UNTING",
    "JUGAH",
    "SAMBANG",
    "LIMBANG",
    "MANGGIE",
    "JANTING",
    "BAKIT",
    "ENGKAMAT",
    "RENTAP",
    "SELANG",
    "MANDI",
    "BUDA",
    "LANGGAU",
    "LINTANG",
    "BANGGAU",
    "NGELAMBONG",
    "JABU",
    "MAWAR",
    "LANSI",
    "GAMPANG",
    "UNDOM",
    "SALANG",
    "JIMAT",
    "TEDONG",
    "MULOK",
    "ANYI",
    "KERINGAN",
    "SUJANG",
    "BERINAU",
];

pub const SABAH_M: &[&str] = &[
    "JUSTIN", "JOSEPH", "ANDREW", "JAIRUS", "ROBERT", "SIMON", "MATHIUS", "FRANCIS", "JAMES",
    "PATRICK", "JOHNNY", "BENEDICT", "GEORGE", "RAYMOND", "VINCENT", "ALBINUS", "JUANIS", "EDWARD",
    "PAUL", "STEPHEN", "AMBROSE", "LINUS", "MARCUS", "DOMINIC",
];
pub const SABAH_F: &[&str] = &[
    "MARIA",
    "ROSALIND",
    "JULIANA",
    "AGNES",
    "VERONICA",
    "CHRISTINA",
    "JANET",
    "ELIZABETH",
    "MARGARET",
    "JOSEPHINE",
    "ROSLINDA",
    "ANNIE",
    "BERNADETTE",
    "CECILIA",
    "DOROTHY",
    "FLORENCE",
    "GRACE",
    "HELEN",
    "IRENE",
    "JUDITH",
    "LUCY",
    "MONICA",
];
pub const SABAH_FATHERS: &[&str] = &[
    "GUNDAU", "MOJUNTIN", "SUNDANG", "LAJUNAH", "MAJINUN", "AMBOTOL", "GUMPIL", "SIMPUL",
    "LOJUNGIN", "MALANJUM", "GINDUG", "SOGUNDAI", "MOGINDOL", "SINDAT", "LIMBAI", "GOMPOK",
    "MALIGAN", "SOINDIN", "MOJIKON", "TIMBANG", "KINSIK", "LANSING", "MOMPOLOU", "DUALIS", "GALUS",
    "JILAN", "SUMPIL", "ANTANOM", "MOGULIS", "BANTUNG",
];

/// Khmer names: the "surname" is usually the father's given name, so these overlap.
pub const KHMER_SURNAMES: &[&str] = &[
    "SOK", "CHAN", "KEO", "CHHIM", "PHAN", "HENG", "SAO", "SENG", "MEAS", "YIM", "NGETH", "SOM",
    "TOUCH", "OUK", "PRAK", "SUN", "KIM", "CHEA", "MAO", "VANN", "RATH", "LONG", "NHEM", "PEN",
    "THACH", "HOR", "LY", "SREY", "NOUN", "EK",
];
pub const KHMER_M: &[&str] = &[
    "CHANNA", "VANNAK", "DARA", "SOKHA", "VIBOL", "SOPHAL", "RITHY", "PISETH", "KOSAL", "VISAL",
    "SAMNANG", "BORA", "SAMBATH", "VEASNA", "SOK", "CHEA", "SOVANN", "PHEARUM", "RATHANA",
    "SOPHEA", "VUTHY", "CHANTHA", "NARITH", "SOKUN",
];
pub const KHMER_F: &[&str] = &[
    "SREYMOM",
    "SOPHEAP",
    "BOPHA",
    "CHANTHOU",
    "SREYNEANG",
    "SOCHEATA",
    "CHENDA",
    "RATANA",
    "SOKUNTHEA",
    "SREYLEAK",
    "DAVY",
    "MALIS",
    "SOPHY",
    "THEARY",
    "KUNTHEA",
    "SREYPOV",
    "LEAKHENA",
    "CHANMONY",
    "SOKHOM",
    "PHALLA",
];

/// Spelling variants of one name, as clerks write them (the first form is not preferred).
/// A record shows one of the other forms with the name-variant rate.
pub const VARIANTS: &[(&str, &[&str])] = &[
    (
        "MUHAMMAD",
        &[
            "MOHD", "MUHD", "MUHAMAD", "MOHAMAD", "MOHAMMAD", "MHD", "MOHD.",
        ],
    ),
    ("MUHAMAD", &["MUHAMMAD", "MOHD", "MUHD"]),
    ("MOHAMAD", &["MOHD", "MOHAMMAD", "MUHAMMAD"]),
    ("MOHAMMAD", &["MOHD", "MOHAMAD", "MUHAMMAD"]),
    ("MOHAMED", &["MOHD", "MOHAMMED", "MUHAMMAD"]),
    ("MOHD", &["MUHAMMAD", "MOHAMAD", "MOHD.", "MOHAMED"]),
    ("ABDUL", &["ABD", "ABD.", "AB"]),
    ("NUR", &["NOOR", "NOR"]),
    ("NOOR", &["NUR", "NOR"]),
    ("AHMAD", &["AHMED", "AHAMAD"]),
    ("AISYAH", &["AISHAH", "AISYHA"]),
    ("YAACOB", &["YAAKUB", "YAKOB", "YAAKOB"]),
    ("HASSAN", &["HASAN"]),
    ("HUSSEIN", &["HUSIN", "HUSSIN", "HUSAIN"]),
    ("OTHMAN", &["OSMAN", "UTHMAN"]),
    ("YUSOF", &["YUSUF", "YUSOFF", "YUSOP"]),
    ("MAHMUD", &["MAHMOOD", "MAHMOD"]),
    ("KAMARUDDIN", &["KAMARUDIN"]),
    ("JAMALUDDIN", &["JAMALUDIN"]),
    ("SHAHARUDDIN", &["SHAHARUDIN"]),
    ("ZAKARIA", &["ZAKARIYA", "ZAKARIAH"]),
    ("MANSOR", &["MANSUR", "MANSOOR"]),
    ("SALLEH", &["SALEH"]),
    ("KHADIJAH", &["KHATIJAH"]),
    ("ZALEHA", &["ZALIHA"]),
    ("RIDZUAN", &["RIDHUAN", "REDZUAN"]),
    ("SYAFIQ", &["SHAFIQ"]),
    ("SYAFIQAH", &["SHAFIQAH"]),
    ("ATIQAH", &["ATIKAH"]),
    ("IZZATI", &["IZATI"]),
    ("SAMSUDIN", &["SAMSUDDIN", "SHAMSUDIN"]),
    ("ZULKIFLI", &["ZULKIFLEE", "ZULKEFLI"]),
    ("JUSOH", &["YUSOH"]),
    ("ISMAIL", &["ISMAEL"]),
    ("IBRAHIM", &["IBRAHEM"]),
    ("ABDULLAH", &["ABDOLLAH", "ABDULAH"]),
    ("MUNIANDY", &["MUNIANDI"]),
    ("SUBRAMANIAM", &["SUBRAMANIAN", "SUBRAMANIYAM"]),
    ("LETCHUMY", &["LETCHUMI", "LECHUMY"]),
    ("GOVINDASAMY", &["GOVINDASAMI"]),
    ("SARASWATHY", &["SARASWATHI"]),
];

/// Khmer romanisations of one name (no standard: k/kh, ch/chh, p/b, ey/ei, ou/ov...).
pub const KHMER_VARIANTS: &[(&str, &[&str])] = &[
    ("SOK", &["SOKH"]),
    ("CHAN", &["CHANN"]),
    ("CHANNA", &["CHANA"]),
    ("SREYMOM", &["SREIMOM"]),
    ("SREYNEANG", &["SREINEANG", "SREYNEAN"]),
    ("VANNAK", &["VANNAKH", "VANAK"]),
    ("SOPHEAP", &["SOPHEAB", "SOPHIEP"]),
    ("CHANTHOU", &["CHANTHOV", "CHANTHO"]),
    ("SOKHA", &["SOKHAR"]),
    ("PHAN", &["PAN"]),
    ("CHHIM", &["CHIM"]),
    ("KEO", &["KAEV"]),
    ("VEASNA", &["VIESNA"]),
];

/// Patronym markers and how clerks abbreviate them.
pub const MARKER_VARIANTS: &[(&str, &[&str])] = &[
    ("BIN", &["B.", "BN", "B", "BIN."]),
    ("BINTI", &["BT", "BTE", "BINTE", "BT.", "BINTI."]),
    ("A/L", &["AL", "S/O", "A.L"]),
    ("A/P", &["AP", "D/O", "A.P"]),
    ("ANAK", &["AK", "AK."]),
];

/// How a title is written in a record that shows it.
pub const HAJI_M: &[(&str, u32)] = &[("HAJI", 3), ("HJ", 2), ("HJ.", 1)];
pub const HAJI_F: &[(&str, u32)] = &[("HAJJAH", 3), ("HJH", 2), ("HAJAH", 1)];
pub const DATO: &[(&str, u32)] = &[("DATO'", 5), ("DATO", 2), ("DATUK", 2), ("DATO’", 1)];
/// In the windows-1252 export: typed in Word or Excel, with curly apostrophes.
pub const DATO_CURLY: &[(&str, u32)] = &[("DATO’", 5), ("DATO‘", 1), ("DATUK", 1)];
pub const DR: &[(&str, u32)] = &[("DR", 3), ("DR.", 1)];

/// Letters a one-character typo substitutes (keyboard and sound neighbours).
pub const TYPO_SUBSTITUTE: &[(u8, u8)] = &[
    (b'A', b'E'),
    (b'E', b'A'),
    (b'I', b'Y'),
    (b'Y', b'I'),
    (b'O', b'U'),
    (b'U', b'O'),
    (b'S', b'Z'),
    (b'Z', b'S'),
    (b'K', b'C'),
    (b'C', b'K'),
    (b'N', b'M'),
    (b'M', b'N'),
    (b'H', b'J'),
    (b'L', b'R'),
    (b'R', b'L'),
    (b'D', b'T'),
    (b'T', b'D'),
];

/// OCR confusions of IC digits: a digit read as a letter.
pub const OCR_DIGIT: &[(u8, &[u8])] = &[
    (b'0', b"OD"),
    (b'1', b"ILl"),
    (b'5', b"S"),
    (b'8', b"B"),
    (b'2', b"Z"),
];
