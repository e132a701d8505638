//! Byte sizes for people: parsing `16G`, `512KiB`, `20GB` and printing `1.5 GiB`.

use anyhow::{Result, bail};

const KIB: u64 = 1024;

/// Formats a byte count with binary units (`KiB`, `MiB`, …), one decimal where it helps.
pub fn format_bytes(bytes: u64) -> String {
    const UNITS: [&str; 6] = ["KiB", "MiB", "GiB", "TiB", "PiB", "EiB"];
    if bytes < KIB {
        return format!("{bytes} B");
    }
    let mut value = bytes as f64 / KIB as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit + 1 < UNITS.len() {
        value /= 1024.0;
        unit += 1;
    }
    let text = format!("{value:.1}");
    format!(
        "{} {}",
        text.strip_suffix(".0").unwrap_or(&text),
        UNITS[unit]
    )
}

/// Parses a size: a plain number of bytes, or a number with a unit. `K`, `M`, `G`, `T`, `P`,
/// `E` and their `iB` forms are powers of 1024 (as `qemu-img` reads them); `KB`, `MB`, `GB`,
/// `TB`, `PB`, `EB` are powers of 1000. Fractions are allowed when the result is whole.
pub fn parse_bytes(text: &str) -> Result<u64> {
    let trimmed = text.trim();
    let split = trimmed
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(trimmed.len());
    let (number, unit) = trimmed.split_at(split);
    let multiplier = unit_multiplier(unit.trim()).ok_or_else(|| {
        anyhow::anyhow!("{text:?}: expected a size such as 4096, 512K, 16GiB or 20GB")
    })?;
    let Ok(value) = number.parse::<f64>() else {
        bail!("{text:?}: expected a size such as 4096, 512K, 16GiB or 20GB");
    };
    let bytes = value * multiplier as f64;
    if !bytes.is_finite() || bytes > u64::MAX as f64 || bytes.fract() != 0.0 {
        bail!("{text:?}: not a whole number of bytes that fits in 64 bits");
    }
    Ok(bytes as u64)
}

fn unit_multiplier(unit: &str) -> Option<u64> {
    let upper = unit.to_ascii_uppercase();
    let (prefix, decimal) = match upper.as_str() {
        "" | "B" => return Some(1),
        u if u.ends_with("IB") => (&u[..u.len() - 2], false),
        u if u.len() == 2 && u.ends_with('B') => (&u[..1], true),
        u => (u, false),
    };
    let power = "KMGTPE".find(prefix).filter(|_| prefix.len() == 1)? as u32 + 1;
    Some(if decimal {
        1000u64.pow(power)
    } else {
        KIB.pow(power)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_binary_units() {
        assert_eq!(format_bytes(512), "512 B");
        assert_eq!(format_bytes(1536), "1.5 KiB");
        assert_eq!(format_bytes(16 << 30), "16 GiB");
        assert_eq!(format_bytes(1 << 50), "1 PiB");
    }

    #[test]
    fn parses_binary_and_decimal_units() {
        assert_eq!(parse_bytes("4096").unwrap(), 4096);
        assert_eq!(parse_bytes("512K").unwrap(), 512 * 1024);
        assert_eq!(parse_bytes("16GiB").unwrap(), 16 << 30);
        assert_eq!(parse_bytes("20GB").unwrap(), 20_000_000_000);
        assert_eq!(parse_bytes("1.5M").unwrap(), 1536 * 1024);
        assert_eq!(parse_bytes("1P").unwrap(), 1 << 50);
    }

    #[test]
    fn rejects_nonsense() {
        for bad in ["", "G", "12X", "1.5", "0.3B", "99999999999E", "1..2K"] {
            assert!(parse_bytes(bad).is_err(), "{bad} should be rejected");
        }
    }
}
