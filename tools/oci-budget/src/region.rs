//! OCI regions as the API, the CLI and the provider write them: region identifiers
//! (`us-ashburn-1`), three-letter region keys (`iad`, which `oci compute instance list` gives
//! for Ashburn and Phoenix), and availability domain names (`Uocm:PHX-AD-1`,
//! `Uocm:US-ASHBURN-AD-1`, `Uocm:EU-FRANKFURT-1-AD-1`), all read as one identifier.

/// The commercial regions' keys and identifiers, from the table on the "Regions and
/// Availability Domains" page of the Oracle Cloud Infrastructure documentation.
const REGION_KEYS: [(&str, &str); 41] = [
    ("jnb", "af-johannesburg-1"),
    ("hsg", "ap-batam-1"),
    ("yny", "ap-chuncheon-1"),
    ("hyd", "ap-hyderabad-1"),
    ("mel", "ap-melbourne-1"),
    ("bom", "ap-mumbai-1"),
    ("kix", "ap-osaka-1"),
    ("icn", "ap-seoul-1"),
    ("sin", "ap-singapore-1"),
    ("xsp", "ap-singapore-2"),
    ("syd", "ap-sydney-1"),
    ("nrt", "ap-tokyo-1"),
    ("yul", "ca-montreal-1"),
    ("yyz", "ca-toronto-1"),
    ("ams", "eu-amsterdam-1"),
    ("fra", "eu-frankfurt-1"),
    ("beg", "eu-jovanovac-1"),
    ("mad", "eu-madrid-1"),
    ("mrs", "eu-marseille-1"),
    ("lin", "eu-milan-1"),
    ("cdg", "eu-paris-1"),
    ("arn", "eu-stockholm-1"),
    ("zrh", "eu-zurich-1"),
    ("mtz", "il-jerusalem-1"),
    ("auh", "me-abudhabi-1"),
    ("dxb", "me-dubai-1"),
    ("jed", "me-jeddah-1"),
    ("ruh", "me-riyadh-1"),
    ("mty", "mx-monterrey-1"),
    ("qro", "mx-queretaro-1"),
    ("bog", "sa-bogota-1"),
    ("scl", "sa-santiago-1"),
    ("gru", "sa-saopaulo-1"),
    ("vap", "sa-valparaiso-1"),
    ("vcp", "sa-vinhedo-1"),
    ("cwl", "uk-cardiff-1"),
    ("lhr", "uk-london-1"),
    ("iad", "us-ashburn-1"),
    ("ord", "us-chicago-1"),
    ("phx", "us-phoenix-1"),
    ("sjc", "us-sanjose-1"),
];

/// A region as a resource names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Region {
    /// A region identifier (`eu-frankfurt-1`), from an identifier, a known key or an
    /// availability domain.
    Known(String),
    /// A name that is neither an identifier nor a known key (`xyz`), as written: it is not
    /// guessed at.
    Unrecognised(String),
}

impl Region {
    /// The identifier, or the name as written when it is not recognised.
    pub fn name(&self) -> &str {
        match self {
            Region::Known(name) | Region::Unrecognised(name) => name,
        }
    }
}

/// A region identifier (`us-ashburn-1`) or key (`IAD`, any case) as a region.
pub fn parse(text: &str) -> Region {
    let lower = text.trim().to_ascii_lowercase();
    if is_identifier(&lower) {
        return Region::Known(lower);
    }
    match identifier_of_key(&lower) {
        Some(identifier) => Region::Known(identifier.to_string()),
        None => Region::Unrecognised(text.to_string()),
    }
}

/// The region of an availability domain: the name after the tenancy prefix and before
/// `-AD-n`, which is an identifier (`EU-FRANKFURT-1`), a key (`PHX`) or, for Ashburn, the
/// identifier without its number (`US-ASHBURN`).
pub fn of_availability_domain(domain: &str) -> Region {
    let name = domain
        .rsplit(':')
        .next()
        .unwrap_or(domain)
        .to_ascii_lowercase();
    let Some(at) = name.rfind("-ad-") else {
        return Region::Unrecognised(domain.to_string());
    };
    let prefix = &name[..at];
    if let Region::Known(identifier) = parse(prefix) {
        return Region::Known(identifier);
    }
    let numbered = format!("{prefix}-1");
    if REGION_KEYS.iter().any(|(_, id)| *id == numbered) {
        Region::Known(numbered)
    } else {
        Region::Unrecognised(domain.to_string())
    }
}

fn identifier_of_key(key: &str) -> Option<&'static str> {
    REGION_KEYS
        .iter()
        .find(|(k, _)| *k == key)
        .map(|(_, identifier)| *identifier)
}

/// `realm-name-n` or longer (`us-gov-ashburn-1`): lowercase words and a final number.
fn is_identifier(text: &str) -> bool {
    let parts: Vec<&str> = text.split('-').collect();
    let Some((number, words)) = parts.split_last() else {
        return false;
    };
    words.len() >= 2
        && !number.is_empty()
        && number.bytes().all(|b| b.is_ascii_digit())
        && words
            .iter()
            .all(|w| !w.is_empty() && w.bytes().all(|b| b.is_ascii_lowercase()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn known(name: &str) -> Region {
        Region::Known(name.to_string())
    }

    #[test]
    fn keys_map_to_identifiers_in_any_case() {
        assert_eq!(parse("iad"), known("us-ashburn-1"));
        assert_eq!(parse("PHX"), known("us-phoenix-1"));
        assert_eq!(parse("Fra"), known("eu-frankfurt-1"));
        assert_eq!(parse("lhr"), known("uk-london-1"));
        assert_eq!(parse("EU-Frankfurt-1"), known("eu-frankfurt-1"));
        assert_eq!(parse("us-gov-ashburn-1"), known("us-gov-ashburn-1"));
    }

    #[test]
    fn unknown_keys_are_not_guessed() {
        assert_eq!(parse("zzz"), Region::Unrecognised("zzz".into()));
        assert_eq!(parse(""), Region::Unrecognised(String::new()));
        assert_eq!(
            parse("us-ashburn"),
            Region::Unrecognised("us-ashburn".into())
        );
    }

    #[test]
    fn availability_domains_name_their_region_either_way() {
        let cases = [
            ("Uocm:PHX-AD-1", "us-phoenix-1"),
            ("Uocm:US-ASHBURN-AD-1", "us-ashburn-1"),
            ("Uocm:EU-FRANKFURT-1-AD-1", "eu-frankfurt-1"),
            ("qIZq:UK-LONDON-1-AD-2", "uk-london-1"),
            ("IAD-AD-3", "us-ashburn-1"),
        ];
        for (domain, region) in cases {
            assert_eq!(of_availability_domain(domain), known(region), "{domain}");
        }
        for domain in ["AD-1", "Uocm:XYZ-AD-1", "Uocm:EU-NOWHERE-AD-1"] {
            assert_eq!(
                of_availability_domain(domain),
                Region::Unrecognised(domain.into()),
                "{domain}"
            );
        }
    }

    #[test]
    fn keys_and_identifiers_are_unique() {
        let mut keys: Vec<&str> = REGION_KEYS.iter().map(|(k, _)| *k).collect();
        let mut ids: Vec<&str> = REGION_KEYS.iter().map(|(_, id)| *id).collect();
        keys.sort_unstable();
        keys.dedup();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(
            (keys.len(), ids.len()),
            (REGION_KEYS.len(), REGION_KEYS.len())
        );
        assert!(ids.iter().all(|id| is_identifier(id)));
    }
}
