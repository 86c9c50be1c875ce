//! Domain knowledge as data: the tables the normalisers read (DOMAIN.md).
//!
//! This is the backbone's first set; the deep normaliser extends these tables rather than
//! adding branches to the code.

/// Words that separate a person's own name from the father's name (patronymic markers).
/// `AL`, `AP`, `B`, `AK` are only read as markers between two name parts.
pub const PATRONYM_MARKERS: &[&str] = &[
    "BIN", "BINTI", "BINTE", "BINT", "BTE", "BT", "BN", "B", "A/L", "A/P", "S/O", "D/O", "AL",
    "AP", "ANAK", "AK",
];

/// Honorifics and titles: dropped from the name (they come and go over a life).
/// Multi-word titles are listed as their words; `SRI` and `SERI` count only after another title.
pub const TITLES: &[&str] = &[
    "HAJI", "HJ", "HAJJAH", "HAJAH", "HJH", "TUN", "TOH", "DATO", "DATUK", "DATO'", "DATIN",
    "PADUKA", "PATINGGI", "DR", "PROF", "IR", "AR", "TUAN", "PUAN", "PN", "ENCIK", "EN", "CIK",
    "YB", "YAB", "YBHG", "MR", "MRS", "MS", "MDM", "MISS",
];

/// Title words that are titles only right after another title (`TAN SRI`, `DATO SERI`).
pub const TITLE_SUFFIXES: &[&str] = &["SRI", "SERI"];

/// Words that start a two-word title when followed by a title suffix (`TAN SRI`, `PUAN SRI`).
/// `TAN` alone is a Chinese surname, so it is a title only in that pair.
pub const TITLE_PREFIXES_NEEDING_SUFFIX: &[&str] = &["TAN"];

/// Spelling variants of one name, mapped to one canonical token.
pub const NAME_VARIANTS: &[(&str, &str)] = &[
    ("MOHD", "MUHAMMAD"),
    ("MOHAMAD", "MUHAMMAD"),
    ("MOHAMMAD", "MUHAMMAD"),
    ("MOHAMED", "MUHAMMAD"),
    ("MOHAMMED", "MUHAMMAD"),
    ("MUHAMAD", "MUHAMMAD"),
    ("MUHAMMED", "MUHAMMAD"),
    ("MUHD", "MUHAMMAD"),
    ("MHD", "MUHAMMAD"),
    ("ABD", "ABDUL"),
    ("NOOR", "NUR"),
    ("NOR", "NUR"),
    ("AHMED", "AHMAD"),
];

/// Address abbreviations, expanded.
pub const ADDRESS_ABBREVIATIONS: &[(&str, &str)] = &[
    ("JLN", "JALAN"),
    ("JL", "JALAN"),
    ("TMN", "TAMAN"),
    ("KG", "KAMPUNG"),
    ("KAMPONG", "KAMPUNG"),
    ("LRG", "LORONG"),
    ("BDR", "BANDAR"),
    ("SG", "SUNGAI"),
    ("SEK", "SEKSYEN"),
    ("BT", "BATU"),
    ("PSN", "PERSIARAN"),
    ("APT", "APARTMENT"),
    ("KMP", "KAMPUNG"),
];

/// Values meaning male / female, upper case.
pub const SEX_MALE: &[&str] = &["L", "M", "LELAKI", "MALE", "LAKI-LAKI", "LAKI", "1"];
pub const SEX_FEMALE: &[&str] = &["P", "F", "PEREMPUAN", "FEMALE", "WANITA", "2"];

/// MyKad place-of-birth codes that are not assigned (DOMAIN.md §1): an IC carrying one is invalid.
pub const UNASSIGNED_PB_CODES: &[u8] = &[0, 17, 18, 19, 20, 69, 70, 73, 80, 81, 94, 95, 96, 97];

/// Common date formats, tried after a source's own (chrono strftime syntax). Day-first orders
/// come before month-first ones: Malaysian exports write day first.
pub const DATE_FORMATS: &[&str] = &[
    "%Y-%m-%d",
    "%d/%m/%Y",
    "%d-%m-%Y",
    "%d.%m.%Y",
    "%Y%m%d",
    "%Y/%m/%d",
    "%d %m %Y",
    "%d/%m/%y",
    "%d-%m-%y",
    "%d.%m.%y",
    "%d %b %Y",
    "%d-%b-%Y",
    "%d %B %Y",
    "%d-%b-%y",
    "%Y-%m-%dT%H:%M:%S",
    "%Y-%m-%d %H:%M:%S",
    "%d/%m/%Y %H:%M:%S",
    "%d/%m/%Y %H:%M",
];
