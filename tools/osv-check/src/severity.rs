//! Severity of a record: of its severity entries, the one that rates highest (the highest
//! CVSS base score computed from the vectors, v2, v3 and v4 alike, or a rating word), else a
//! rating word the database gives.

use std::str::FromStr;

use serde::Serialize;

use crate::osv::{SeverityScore, Vulnerability};

/// Qualitative ratings, in increasing order (CVSS v3.1 specification, table 14).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Rating {
    /// Score 0.0.
    None,
    /// 0.1–3.9.
    Low,
    /// 4.0–6.9.
    Medium,
    /// 7.0–8.9.
    High,
    /// 9.0–10.0.
    Critical,
}

impl Rating {
    /// The rating of a base score.
    pub fn of_score(score: f64) -> Rating {
        match score {
            s if s >= 9.0 => Rating::Critical,
            s if s >= 7.0 => Rating::High,
            s if s >= 4.0 => Rating::Medium,
            s if s > 0.0 => Rating::Low,
            _ => Rating::None,
        }
    }

    /// A rating word (`Ubuntu` severities, GHSA's `MODERATE`), case-insensitive.
    pub fn of_word(word: &str) -> Option<Rating> {
        match word.to_ascii_lowercase().as_str() {
            "negligible" | "none" => Some(Rating::None),
            "low" => Some(Rating::Low),
            "medium" | "moderate" => Some(Rating::Medium),
            "high" => Some(Rating::High),
            "critical" => Some(Rating::Critical),
            _ => None,
        }
    }

    /// The lower-case name.
    pub fn name(self) -> &'static str {
        match self {
            Rating::None => "none",
            Rating::Low => "low",
            Rating::Medium => "medium",
            Rating::High => "high",
            Rating::Critical => "critical",
        }
    }
}

/// The severity reported for a finding: the entry it was rated by, and that rating.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Severity {
    /// The OSV severity type of the entry the rating comes from (`CVSS_V3`, `CVSS_V4`,
    /// `Ubuntu`, or `database_specific` for a word from the database's own data).
    #[serde(rename = "type")]
    pub kind: String,
    /// The CVSS vector, when the rating comes from one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub vector: Option<String>,
    /// The computed base score.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub base_score: Option<f64>,
    /// The qualitative rating.
    pub rating: Rating,
}

/// The entry types read, in the order that breaks ties between entries rating the same.
const PREFERENCE: &[&str] = &["CVSS_V3", "CVSS_V4", "CVSS_V2", "Ubuntu"];

/// The severity of a record for one package, from the record's own entries, else those of
/// the package's `affected` entries: the entry that rates highest (a higher base score wins
/// within a rating, a scored entry beats a word, then [`PREFERENCE`] order), so a record
/// scored low in one CVSS version and critical in another is critical. Without a readable
/// entry, the database's rating word; `None` when unrated.
pub fn assess(vuln: &Vulnerability, affected_scores: &[SeverityScore]) -> Option<Severity> {
    let scores = if vuln.severity.is_empty() {
        affected_scores
    } else {
        &vuln.severity
    };
    PREFERENCE
        .iter()
        .flat_map(|kind| scores.iter().filter(move |s| s.kind == *kind))
        .filter_map(from_score)
        .reduce(|best, next| if outranks(&next, &best) { next } else { best })
        .or_else(|| database_word(vuln))
}

/// True when `a` rates strictly higher than `b`: a higher rating, or the same rating with a
/// higher base score (a score beats no score).
fn outranks(a: &Severity, b: &Severity) -> bool {
    let score = |s: &Severity| s.base_score.unwrap_or(-1.0);
    (a.rating, score(a)) > (b.rating, score(b))
}

fn from_score(score: &SeverityScore) -> Option<Severity> {
    if score.kind == "Ubuntu" {
        return Rating::of_word(&score.score).map(|rating| Severity {
            kind: score.kind.clone(),
            vector: None,
            base_score: None,
            rating,
        });
    }
    let parsed = cvss::Cvss::from_str(&score.score).ok()?;
    let base = (parsed.score() * 10.0).round() / 10.0;
    Some(Severity {
        kind: score.kind.clone(),
        vector: Some(score.score.clone()),
        base_score: Some(base),
        rating: Rating::of_score(base),
    })
}

fn database_word(vuln: &Vulnerability) -> Option<Severity> {
    let word = vuln.database_specific.as_ref()?.get("severity")?.as_str()?;
    Rating::of_word(word).map(|rating| Severity {
        kind: "database_specific".into(),
        vector: None,
        base_score: None,
        rating,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vuln(scores: &[(&str, &str)]) -> Vulnerability {
        serde_json::from_value(serde_json::json!({
            "id": "x_T-1",
            "severity": scores.iter().map(|(t, s)| serde_json::json!({"type": t, "score": s})).collect::<Vec<_>>(),
        }))
        .unwrap()
    }

    #[test]
    fn computes_v3_base_scores() {
        let v = vuln(&[("CVSS_V3", "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H")]);
        let s = assess(&v, &[]).unwrap();
        assert_eq!(s.base_score, Some(9.8));
        assert_eq!(s.rating, Rating::Critical);
        let v = vuln(&[("CVSS_V3", "CVSS:3.1/AV:N/AC:H/PR:N/UI:R/S:U/C:L/I:N/A:N")]);
        assert_eq!(assess(&v, &[]).unwrap().base_score, Some(3.1));
        let v = vuln(&[("CVSS_V3", "CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H")]);
        assert_eq!(assess(&v, &[]).unwrap().base_score, Some(10.0));
    }

    const V4_CRITICAL: &str = "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N";

    #[test]
    fn the_highest_rated_entry_wins_whatever_its_version_or_place() {
        let low_v3 = ("CVSS_V3", "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:L");
        for entries in [
            vec![low_v3, ("CVSS_V4", V4_CRITICAL)],
            vec![("CVSS_V4", V4_CRITICAL), low_v3],
        ] {
            let s = assess(&vuln(&entries), &[]).unwrap();
            assert_eq!(s.kind, "CVSS_V4");
            assert_eq!(s.vector.as_deref(), Some(V4_CRITICAL));
            assert_eq!((s.base_score, s.rating), (Some(9.3), Rating::Critical));
        }
        let v2_high = ("CVSS_V2", "AV:N/AC:L/Au:N/C:P/I:P/A:P");
        let s = assess(&vuln(&[low_v3, v2_high]), &[]).unwrap();
        assert_eq!((s.kind.as_str(), s.base_score), ("CVSS_V2", Some(7.5)));
        let s = assess(&vuln(&[low_v3, ("Ubuntu", "high")]), &[]).unwrap();
        assert_eq!((s.kind.as_str(), s.rating), ("Ubuntu", Rating::High));
        let s = assess(&vuln(&[("Ubuntu", "high"), v2_high]), &[]).unwrap();
        assert_eq!(s.kind, "CVSS_V2", "a score beats a word of the same rating");
        let s = assess(&vuln(&[("CVSS_V3", "garbage"), low_v3]), &[]).unwrap();
        assert_eq!(
            s.base_score,
            Some(5.3),
            "an unreadable entry is passed over"
        );
    }

    #[test]
    fn ties_keep_v3_and_reads_v4_and_words() {
        let v = vuln(&[
            ("CVSS_V4", V4_CRITICAL),
            ("CVSS_V3", "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:L/A:N"),
        ]);
        assert_eq!(assess(&v, &[]).unwrap().base_score, Some(9.3));
        assert_eq!(assess(&v, &[]).unwrap().kind, "CVSS_V3");
        let v4 = vuln(&[("CVSS_V4", V4_CRITICAL)]);
        assert_eq!(assess(&v4, &[]).unwrap().base_score, Some(9.3));
        let u = vuln(&[("Ubuntu", "medium")]);
        assert_eq!(assess(&u, &[]).unwrap().rating, Rating::Medium);
        let mut g = vuln(&[]);
        g.database_specific = Some(serde_json::json!({"severity": "MODERATE"}));
        assert_eq!(assess(&g, &[]).unwrap().rating, Rating::Medium);
        assert_eq!(assess(&vuln(&[("CVSS_V3", "garbage")]), &[]), None);
    }
}
