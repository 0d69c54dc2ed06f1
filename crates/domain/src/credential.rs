//! Credentials: the titles officials award enterprises — from innovative SME up to manufacturing
//! single champion, and high-tech enterprise beside them — which an SME declares and the matching
//! engine weighs.

use std::fmt;

use serde::{Deserialize, Serialize};
use time::Date;

use crate::{DomainError, quote::optional_text, text::TextRule};

/// Who awarded a credential, such as 湖北省经济和信息化厅.
pub const ISSUING_BODY: TextRule = TextRule {
    field: "issuing body",
    max_chars: 200,
    multiline: false,
};
/// The batch or year of a credential, such as `2024年第二批`.
pub const CREDENTIAL_BATCH: TextRule = TextRule {
    field: "batch",
    max_chars: 64,
    multiline: false,
};
/// A credential's certificate number.
pub const CREDENTIAL_NUMBER: TextRule = TextRule {
    field: "certificate number",
    max_chars: 128,
    multiline: false,
};

/// A tier of the titles officials award enterprises.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "&'static str")]
pub enum CredentialTier {
    /// 创新型中小企业: the entry tier of the SME cultivation ladder, awarded by provinces.
    InnovativeSme,
    /// 高新技术企业: a national high-tech enterprise, recognised jointly by the science,
    /// finance and tax authorities; beside the ladder, not on it.
    HighTech,
    /// 专精特新中小企业: a provincial specialised-and-sophisticated SME. Hubei called this tier
    /// 湖北省专精特新“小巨人” before 2023.
    SpecialisedSme,
    /// 专精特新“小巨人”: a national "little giant", recognised by the Ministry of Industry and
    /// Information Technology.
    LittleGiant,
    /// 制造业单项冠军: a manufacturing single champion, the top of the ladder.
    SingleChampion,
}

/// Ways of writing each tier that [`CredentialTier::parse`] accepts besides its code, compared
/// after [`normalise_name`]: the official names, and the names some documents use.
const CHINESE_NAMES: [(&str, CredentialTier); 11] = [
    ("创新型中小企业", CredentialTier::InnovativeSme),
    ("高新技术企业", CredentialTier::HighTech),
    ("国家高新技术企业", CredentialTier::HighTech),
    ("专精特新中小企业", CredentialTier::SpecialisedSme),
    ("省级专精特新中小企业", CredentialTier::SpecialisedSme),
    ("湖北省专精特新中小企业", CredentialTier::SpecialisedSme),
    // Hubei's name for its provincial tier until 2023: provincial, whatever the words say.
    ("湖北省专精特新“小巨人”", CredentialTier::SpecialisedSme),
    ("专精特新“小巨人”", CredentialTier::LittleGiant),
    ("国家级专精特新“小巨人”", CredentialTier::LittleGiant),
    ("制造业单项冠军", CredentialTier::SingleChampion),
    ("制造业单项冠军示范", CredentialTier::SingleChampion),
];

/// A name as [`CHINESE_NAMES`] compares it: without spaces or quotation marks of any style, and
/// without a closing 企业 (enterprise), which documents add or leave out.
fn normalise_name(raw: &str) -> String {
    let bare: String = raw
        .chars()
        .filter(|c| !c.is_whitespace() && !"\"'“”‘’「」『』".contains(*c))
        .collect();
    match bare.strip_suffix("企业") {
        Some(stem) => stem.to_owned(),
        None => bare,
    }
}

impl CredentialTier {
    /// Every tier, from the lowest rank to the highest.
    pub const ALL: [Self; 5] = [
        Self::InnovativeSme,
        Self::HighTech,
        Self::SpecialisedSme,
        Self::LittleGiant,
        Self::SingleChampion,
    ];
    /// The highest [`CredentialTier::rank`].
    pub const MAX_RANK: u8 = 5;

    /// The Chinese names [`CredentialTier::parse`] accepts as written, the Hubei alias among them;
    /// it also accepts them with other quotation marks and with or without a closing 企业.
    pub fn chinese_names() -> impl Iterator<Item = &'static str> {
        CHINESE_NAMES.into_iter().map(|(name, _)| name)
    }

    /// The stored and serialised code.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::InnovativeSme => "innovative_sme",
            Self::HighTech => "high_tech",
            Self::SpecialisedSme => "specialised_sme",
            Self::LittleGiant => "little_giant",
            Self::SingleChampion => "single_champion",
        }
    }

    /// The official Chinese name.
    pub fn name_zh(self) -> &'static str {
        match self {
            Self::InnovativeSme => "创新型中小企业",
            Self::HighTech => "高新技术企业",
            Self::SpecialisedSme => "专精特新中小企业",
            Self::LittleGiant => "专精特新“小巨人”",
            Self::SingleChampion => "制造业单项冠军",
        }
    }

    /// The English name.
    pub fn name_en(self) -> &'static str {
        match self {
            Self::InnovativeSme => "Innovative SME",
            Self::HighTech => "High-tech enterprise",
            Self::SpecialisedSme => "Specialised and sophisticated SME (provincial)",
            Self::LittleGiant => "Specialised and sophisticated \"little giant\" (national)",
            Self::SingleChampion => "Manufacturing single champion",
        }
    }

    /// The tier's standing for matching, 1 to [`CredentialTier::MAX_RANK`]: the harder a title is
    /// to earn, the higher. The SME ladder climbs innovative SME → provincial specialised SME →
    /// national little giant → single champion; a high-tech enterprise, far more common than a
    /// specialised SME, sits just above the ladder's entry.
    pub fn rank(self) -> u8 {
        match self {
            Self::InnovativeSme => 1,
            Self::HighTech => 2,
            Self::SpecialisedSme => 3,
            Self::LittleGiant => 4,
            Self::SingleChampion => 5,
        }
    }

    /// Parses a code (`little_giant`) or a Chinese name (`专精特新“小巨人”企业`), with quotation
    /// marks straight, curly or absent and with or without a closing 企业. Hubei's pre-2023
    /// provincial title `湖北省专精特新“小巨人”` is the provincial tier,
    /// [`CredentialTier::SpecialisedSme`], not the national little giant.
    pub fn parse(raw: &str) -> Result<Self, DomainError> {
        let trimmed = raw.trim();
        if let Some(tier) = Self::ALL.into_iter().find(|t| t.as_str() == trimmed) {
            return Ok(tier);
        }
        let name = normalise_name(trimmed);
        CHINESE_NAMES
            .into_iter()
            .find(|(known, _)| normalise_name(known) == name)
            .map(|(_, tier)| tier)
            .ok_or_else(|| DomainError::InvalidCredentialTier(crate::error::shown(raw)))
    }
}

impl fmt::Display for CredentialTier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl TryFrom<String> for CredentialTier {
    type Error = DomainError;
    fn try_from(raw: String) -> Result<Self, Self::Error> {
        Self::parse(&raw)
    }
}

impl From<CredentialTier> for &'static str {
    fn from(tier: CredentialTier) -> Self {
        tier.as_str()
    }
}

/// A credential an SME declares, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Credential {
    tier: CredentialTier,
    issuing_body: String,
    batch: Option<String>,
    certificate_number: Option<String>,
    valid_from: Date,
    valid_until: Date,
}

impl Credential {
    /// Checks a credential: an issuing body under [`ISSUING_BODY`], an optional batch or year under
    /// [`CREDENTIAL_BATCH`] and certificate number under [`CREDENTIAL_NUMBER`] (blank is absent),
    /// and a validity that ends after it starts.
    pub fn new(
        tier: CredentialTier,
        issuing_body: &str,
        batch: Option<&str>,
        certificate_number: Option<&str>,
        valid_from: Date,
        valid_until: Date,
    ) -> Result<Self, DomainError> {
        let issuing_body = ISSUING_BODY.parse(issuing_body)?;
        let batch = optional_text(&CREDENTIAL_BATCH, batch)?;
        let certificate_number = optional_text(&CREDENTIAL_NUMBER, certificate_number)?;
        if valid_until <= valid_from {
            return Err(DomainError::CredentialEndsBeforeItStarts);
        }
        Ok(Self {
            tier,
            issuing_body,
            batch,
            certificate_number,
            valid_from,
            valid_until,
        })
    }

    pub fn tier(&self) -> CredentialTier {
        self.tier
    }

    pub fn issuing_body(&self) -> &str {
        &self.issuing_body
    }

    pub fn batch(&self) -> Option<&str> {
        self.batch.as_deref()
    }

    pub fn certificate_number(&self) -> Option<&str> {
        self.certificate_number.as_deref()
    }

    pub fn valid_from(&self) -> Date {
        self.valid_from
    }

    pub fn valid_until(&self) -> Date {
        self.valid_until
    }

    /// Whether the credential is valid on `day`, its first and last days included.
    pub fn covers(&self, day: Date) -> bool {
        self.valid_from <= day && day <= self.valid_until
    }
}

#[cfg(test)]
mod tests {
    use serde::de::{
        IntoDeserializer,
        value::{Error as ValueError, StrDeserializer},
    };
    use time::macros::date;

    use super::*;

    fn hubei(tier: CredentialTier) -> Result<Credential, DomainError> {
        Credential::new(
            tier,
            "湖北省经济和信息化厅",
            Some("2024年第二批"),
            Some("HB-ZJTX-2024-0137"),
            date!(2024 - 07 - 01),
            date!(2027 - 06 - 30),
        )
    }

    #[test]
    fn tiers_round_trip_through_their_codes_and_serde() {
        let codes: Vec<&str> = CredentialTier::ALL.iter().map(|t| t.as_str()).collect();
        assert_eq!(
            codes,
            [
                "innovative_sme",
                "high_tech",
                "specialised_sme",
                "little_giant",
                "single_champion"
            ]
        );
        for tier in CredentialTier::ALL {
            assert_eq!(CredentialTier::parse(tier.as_str()).unwrap(), tier);
            let deserializer: StrDeserializer<'_, ValueError> = tier.as_str().into_deserializer();
            assert_eq!(CredentialTier::deserialize(deserializer).unwrap(), tier);
            assert_eq!(<&str>::from(tier), tier.as_str());
        }
    }

    #[test]
    fn tiers_parse_from_their_chinese_names() {
        for tier in CredentialTier::ALL {
            assert_eq!(
                CredentialTier::parse(tier.name_zh()).unwrap(),
                tier,
                "{tier}"
            );
            let with_suffix = format!("{}企业", tier.name_zh().trim_end_matches("企业"));
            assert_eq!(
                CredentialTier::parse(&with_suffix).unwrap(),
                tier,
                "{with_suffix}"
            );
        }
        for (raw, tier) in [
            ("专精特新\"小巨人\"企业", CredentialTier::LittleGiant),
            ("专精特新“小巨人”企业", CredentialTier::LittleGiant),
            ("专精特新小巨人", CredentialTier::LittleGiant),
            ("国家级专精特新“小巨人”企业", CredentialTier::LittleGiant),
            (" 制造业单项冠军企业 ", CredentialTier::SingleChampion),
            ("制造业单项冠军示范企业", CredentialTier::SingleChampion),
            ("国家高新技术企业", CredentialTier::HighTech),
            ("省级专精特新中小企业", CredentialTier::SpecialisedSme),
        ] {
            assert_eq!(CredentialTier::parse(raw).unwrap(), tier, "{raw}");
        }
    }

    #[test]
    fn hubeis_pre_2023_little_giant_is_the_provincial_tier() {
        for raw in [
            "湖北省专精特新“小巨人”",
            "湖北省专精特新\"小巨人\"",
            "湖北省专精特新‘小巨人’",
            "湖北省专精特新小巨人",
            "湖北省专精特新“小巨人”企业",
            "湖北省专精特新\"小巨人\"企业",
        ] {
            assert_eq!(
                CredentialTier::parse(raw).unwrap(),
                CredentialTier::SpecialisedSme,
                "{raw}"
            );
        }
    }

    #[test]
    fn unknown_tiers_are_refused_with_the_codes() {
        for raw in [
            "",
            "Little_Giant",
            "little giant",
            "小巨人",
            "湖北省",
            "专精特新",
            "中小企业",
            "企业",
            "北京市专精特新“小巨人”",
        ] {
            let err = CredentialTier::parse(raw);
            assert!(err.is_err(), "{raw:?} accepted as {err:?}");
            assert!(
                err.unwrap_err().to_string().contains("little_giant"),
                "{raw:?}"
            );
        }
    }

    #[test]
    fn a_higher_tier_ranks_higher() {
        let ranks: Vec<u8> = CredentialTier::ALL.iter().map(|t| t.rank()).collect();
        assert_eq!(ranks, (1..=CredentialTier::MAX_RANK).collect::<Vec<_>>());
        assert!(CredentialTier::SpecialisedSme.rank() > CredentialTier::InnovativeSme.rank());
        assert!(CredentialTier::LittleGiant.rank() > CredentialTier::SpecialisedSme.rank());
        assert!(CredentialTier::SingleChampion.rank() > CredentialTier::LittleGiant.rank());
    }

    #[test]
    fn every_tier_has_both_names() {
        for tier in CredentialTier::ALL {
            assert!(!tier.name_zh().is_empty() && !tier.name_en().is_empty());
        }
        assert_eq!(CredentialTier::LittleGiant.name_zh(), "专精特新“小巨人”");
    }

    #[test]
    fn a_credential_is_checked_and_kept() {
        let credential = hubei(CredentialTier::SpecialisedSme).unwrap();
        assert_eq!(credential.tier(), CredentialTier::SpecialisedSme);
        assert_eq!(credential.issuing_body(), "湖北省经济和信息化厅");
        assert_eq!(credential.batch(), Some("2024年第二批"));
        assert_eq!(credential.certificate_number(), Some("HB-ZJTX-2024-0137"));
        assert_eq!(credential.valid_from(), date!(2024 - 07 - 01));
        assert_eq!(credential.valid_until(), date!(2027 - 06 - 30));
        let bare = Credential::new(
            CredentialTier::HighTech,
            " 湖北省科学技术厅 ",
            None,
            None,
            date!(2023 - 12 - 08),
            date!(2026 - 12 - 07),
        )
        .unwrap();
        assert_eq!(bare.issuing_body(), "湖北省科学技术厅");
        assert_eq!((bare.batch(), bare.certificate_number()), (None, None));
    }

    #[test]
    fn a_credential_needs_a_visible_issuer_within_its_lengths() {
        let day = date!(2024 - 01 - 01);
        let later = date!(2027 - 01 - 01);
        let tier = CredentialTier::InnovativeSme;
        let make = |body: &str, batch: Option<&str>, number: Option<&str>| {
            Credential::new(tier, body, batch, number, day, later)
        };
        assert!(make("", None, None).is_err());
        assert!(make("\u{200B}", None, None).is_err());
        assert!(make(&"厅".repeat(200), None, None).is_ok());
        assert!(make(&"厅".repeat(201), None, None).is_err());
        assert!(make("厅", Some(&"批".repeat(64)), None).is_ok());
        assert!(make("厅", Some(&"批".repeat(65)), None).is_err());
        assert!(make("厅", Some("2024\u{0}"), None).is_err());
        assert!(make("厅", None, Some(&"N".repeat(128))).is_ok());
        let err = make("厅", None, Some(&"N".repeat(129)))
            .unwrap_err()
            .to_string();
        assert!(err.contains("certificate number"), "{err}");
    }

    #[test]
    fn a_credential_ends_after_it_starts_and_covers_its_days() {
        let tier = CredentialTier::LittleGiant;
        let start = date!(2024 - 07 - 01);
        for end in [start, date!(2024 - 06 - 30)] {
            assert_eq!(
                Credential::new(tier, "工业和信息化部", None, None, start, end).unwrap_err(),
                DomainError::CredentialEndsBeforeItStarts
            );
        }
        let credential = hubei(tier).unwrap();
        assert!(!credential.covers(date!(2024 - 06 - 30)));
        assert!(credential.covers(date!(2024 - 07 - 01)));
        assert!(credential.covers(date!(2026 - 01 - 01)));
        assert!(credential.covers(date!(2027 - 06 - 30)));
        assert!(!credential.covers(date!(2027 - 07 - 01)));
    }
}
