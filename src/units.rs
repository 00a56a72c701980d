//! Text to sizes, durations, counts, modes and owners, and back: the
//! parsers behind `-s`, `-a`, `--max-days`, `-c`, `--perm`, `--owner` and
//! `--timeout`, and the human-readable forms `status` prints.

use std::time::Duration;

const SIZE_HELP: &str = "use a number with K, M, G, T (1024-based) or KB, MB, GB, TB (1000-based)";
const DURATION_HELP: &str =
    "use a number with a unit: s, m, h, d, w (e.g. 90s, 12h, 7d, 2weeks, '1h 30m')";

/// Parses a size as GNU coreutils does: `K M G T` and `KiB MiB GiB TiB` are
/// powers of 1024, `KB MB GB TB` powers of 1000, `B` or nothing is bytes.
/// The letter's case does not matter; a decimal number is allowed.
pub fn parse_size(text: &str) -> Result<u64, String> {
    let bad = || format!("invalid size '{text}': {SIZE_HELP}");
    let t = text.trim();
    let split = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    if num.is_empty() || num.starts_with('.') && num.len() == 1 {
        return Err(bad());
    }
    let factor: u64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "k" | "kib" => 1 << 10,
        "m" | "mib" => 1 << 20,
        "g" | "gib" => 1 << 30,
        "t" | "tib" => 1 << 40,
        "kb" => 1_000,
        "mb" => 1_000_000,
        "gb" => 1_000_000_000,
        "tb" => 1_000_000_000_000,
        _ => return Err(bad()),
    };
    if let Ok(whole) = num.parse::<u64>() {
        return whole.checked_mul(factor).ok_or_else(bad);
    }
    let value: f64 = num.parse().map_err(|_| bad())?;
    let bytes = value * factor as f64;
    if !bytes.is_finite() || bytes >= u64::MAX as f64 {
        return Err(bad());
    }
    Ok(bytes as u64)
}

/// Parses `--since`/`--until`: an RFC 3339 time (`2026-12-04T10:00:00Z`,
/// a space for the T, a date alone at midnight UTC), or a duration ago
/// (`1h`).
pub fn parse_time(text: &str) -> Result<std::time::SystemTime, String> {
    let t = text.trim();
    if let Ok(at) = humantime::parse_rfc3339_weak(t) {
        return Ok(at);
    }
    if let Ok(at) = chrono::DateTime::parse_from_rfc3339(t) {
        return Ok(at.into());
    }
    if let Ok(day) = chrono::NaiveDate::parse_from_str(t, "%Y-%m-%d") {
        let midnight = day.and_hms_opt(0, 0, 0).map(|d| d.and_utc());
        if let Some(m) = midnight {
            return Ok(m.into());
        }
    }
    let ago = parse_duration(t).map_err(|_| {
        format!(
            "invalid time '{text}': use RFC 3339 (2026-12-04T10:00:00Z) or a duration ago (1h, 30m)"
        )
    })?;
    std::time::SystemTime::now()
        .checked_sub(ago)
        .ok_or_else(|| format!("invalid time '{text}': too long ago"))
}

/// Parses a duration in humantime's syntax. A bare number is refused: it
/// is far more often a mistake (seconds? days?) than a wish.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let t = text.trim();
    if t.is_empty() || t.parse::<f64>().is_ok() {
        return Err(format!("invalid duration '{text}': {DURATION_HELP}"));
    }
    humantime::parse_duration(t)
        .map_err(|e| format!("invalid duration '{text}': {e}; {DURATION_HELP}"))
}

/// Parses `--max-days`: a number of days, fractions allowed.
pub fn parse_days(text: &str) -> Result<Duration, String> {
    let bad = || format!("invalid number of days '{text}': use a number such as 7 or 0.5");
    let days: f64 = text.trim().parse().map_err(|_| bad())?;
    if !days.is_finite() || days < 0.0 {
        return Err(bad());
    }
    Duration::try_from_secs_f64(days * 86_400.0).map_err(|_| bad())
}

/// Parses a permission mode in octal (`644`, `0640`).
pub fn parse_perm(text: &str) -> Result<u32, String> {
    let t = text.trim();
    let digits = t.strip_prefix("0o").unwrap_or(t);
    match u32::from_str_radix(digits, 8) {
        Ok(mode) if mode <= 0o7777 && !digits.is_empty() => Ok(mode),
        _ => Err(format!(
            "invalid mode '{text}': use octal digits, e.g. 644 or 0640"
        )),
    }
}

/// An owner for new main files, `USER[:GROUP]` by name or number; without
/// a group, the user's primary group (`--owner`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Owner {
    pub uid: u32,
    pub gid: u32,
}

/// Parses `--owner USER[:GROUP]`, looking the names up in the system's
/// user and group databases.
pub fn parse_owner(text: &str) -> Result<Owner, String> {
    use nix::unistd::{Group, User};
    let (user, group) = match text.split_once(':') {
        Some((u, g)) => (u, Some(g)),
        None => (text, None),
    };
    let found = if let Ok(uid) = user.parse::<u32>() {
        User::from_uid(uid.into())
            .ok()
            .flatten()
            .map_or((uid, None), |u| (uid, Some(u.gid.as_raw())))
    } else {
        match User::from_name(user) {
            Ok(Some(u)) => (u.uid.as_raw(), Some(u.gid.as_raw())),
            _ => return Err(format!("invalid owner '{text}': no user named '{user}'")),
        }
    };
    let gid = match group {
        Some(g) if g.parse::<u32>().is_ok() => g.parse::<u32>().unwrap_or_default(),
        Some(g) => match Group::from_name(g) {
            Ok(Some(grp)) => grp.gid.as_raw(),
            _ => return Err(format!("invalid owner '{text}': no group named '{g}'")),
        },
        None => found.1.ok_or_else(|| {
            format!(
                "invalid owner '{text}': user {user} has no primary group here; name one after ':'"
            )
        })?,
    };
    Ok(Owner { uid: found.0, gid })
}

/// Formats a byte count for people: `0`, `512`, `1.5K`, `10.0M`.
pub fn human_size(bytes: u64) -> String {
    const UNITS: [&str; 5] = ["", "K", "M", "G", "T"];
    if bytes < 1024 {
        return bytes.to_string();
    }
    let mut value = bytes as f64;
    let mut unit = 0;
    // A value that would print as 1024.0 moves up a unit: 1.0M, not 1024.0K.
    while value >= 1023.95 && unit < UNITS.len() - 1 {
        value /= 1024.0;
        unit += 1;
    }
    format!("{value:.1}{}", UNITS[unit])
}

/// Parses a count (`-c`): a whole number, 0 or more.
pub fn parse_count(text: &str) -> Result<u64, String> {
    text.parse()
        .map_err(|_| format!("invalid count '{text}': use a whole number of backups, 0 or more"))
}

/// Formats an age for people, to the second: `0s`, `4m 10s`, `3d 2h`.
pub fn human_age(age: Duration) -> String {
    let secs = age.as_secs();
    let (d, h, m, s) = (secs / 86_400, secs / 3_600 % 24, secs / 60 % 60, secs % 60);
    match () {
        _ if d > 0 => format!("{d}d {h}h"),
        _ if h > 0 => format!("{h}h {m}m"),
        _ if m > 0 => format!("{m}m {s}s"),
        _ => format!("{s}s"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_follow_coreutils() {
        assert_eq!(parse_size("0"), Ok(0));
        assert_eq!(parse_size("123"), Ok(123));
        assert_eq!(parse_size("10b"), Ok(10));
        assert_eq!(parse_size("10K"), Ok(10240));
        assert_eq!(parse_size("10k"), Ok(10240));
        assert_eq!(parse_size("10KiB"), Ok(10240));
        assert_eq!(parse_size("10KB"), Ok(10000));
        assert_eq!(parse_size("10M"), Ok(10 << 20));
        assert_eq!(parse_size("10mb"), Ok(10_000_000));
        assert_eq!(parse_size("1.5M"), Ok(1_572_864));
        assert_eq!(parse_size("2G"), Ok(2 << 30));
        assert_eq!(parse_size("1T"), Ok(1 << 40));
        assert_eq!(parse_size("1tb"), Ok(1_000_000_000_000));
    }

    #[test]
    fn bad_sizes_say_which_units_exist() {
        for bad in [
            "",
            "10XB",
            "-1",
            "M",
            ".",
            "1.2.3K",
            "99999999999999999999",
            "20000000T",
        ] {
            let err = parse_size(bad).unwrap_err();
            assert!(err.contains("K, M, G, T"), "{bad}: {err}");
        }
    }

    #[test]
    fn durations_need_units() {
        assert_eq!(parse_duration("90s"), Ok(Duration::from_secs(90)));
        assert_eq!(parse_duration("1h 30m"), Ok(Duration::from_secs(5400)));
        assert_eq!(parse_duration("7d"), Ok(Duration::from_secs(7 * 86_400)));
        assert_eq!(
            parse_duration("2weeks"),
            Ok(Duration::from_secs(14 * 86_400))
        );
        for bad in ["5", "1.5", "", "soon"] {
            let err = parse_duration(bad).unwrap_err();
            assert!(err.contains("s, m, h, d, w"), "{bad}: {err}");
        }
    }

    #[test]
    fn days_allow_fractions() {
        assert_eq!(parse_days("0.5"), Ok(Duration::from_secs(43_200)));
        assert_eq!(parse_days("7"), Ok(Duration::from_secs(604_800)));
        assert!(parse_days("-1").is_err());
        assert!(parse_days("x").is_err());
        assert!(parse_days("inf").is_err());
    }

    #[test]
    fn perms_are_octal() {
        assert_eq!(parse_perm("644"), Ok(0o644));
        assert_eq!(parse_perm("0640"), Ok(0o640));
        assert!(parse_perm("9").is_err());
        assert!(parse_perm("77777").is_err());
        assert!(parse_perm("").is_err());
    }

    #[test]
    fn owners() {
        assert_eq!(parse_owner("root"), Ok(Owner { uid: 0, gid: 0 }));
        assert_eq!(parse_owner("0:0"), Ok(Owner { uid: 0, gid: 0 }));
        assert_eq!(parse_owner("root:12345"), Ok(Owner { uid: 0, gid: 12345 }));
        assert!(parse_owner("no-such-user-here").is_err());
        assert!(parse_owner("root:no-such-group-here").is_err());
    }

    #[test]
    fn human_forms() {
        assert_eq!(human_size(512), "512");
        assert_eq!(human_size(1536), "1.5K");
        assert_eq!(human_size(10 << 20), "10.0M");
        assert_eq!(human_size((1 << 20) - 1), "1.0M");
        assert_eq!(human_size(1 << 20), "1.0M");
        assert_eq!(human_size((1 << 20) - 60_000), "965.4K");
        assert_eq!(parse_count("1000"), Ok(1000));
        assert!(parse_count("-1").unwrap_err().contains("whole number"));
        assert_eq!(human_age(Duration::from_secs(250)), "4m 10s");
        assert_eq!(human_age(Duration::from_secs(3 * 86_400 + 7_300)), "3d 2h");
    }
}

#[cfg(test)]
mod fuzz {
    //! Any text at all: an error or a value, never a panic.
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

        #[test]
        fn parsers_never_panic(text in "\\PC{0,24}") {
            let _ = parse_size(&text);
            let _ = parse_duration(&text);
            let _ = parse_count(&text);
            let _ = crate::config::Codec::parse(&text);
            let _ = crate::config::Names::parse(&text);
            let _ = parse_days(&text);
            let _ = parse_perm(&text);
        }

        #[test]
        fn unit_shaped_text_never_panics(num in "[0-9.]{0,25}", unit in "(|[kKmMgGtTbB]|[kKmMgGtT][iI]?[bB]|[a-z]{1,6})") {
            let text = format!("{num}{unit}");
            if let Ok(n) = parse_size(&text) {
                prop_assert!(num.parse::<f64>().is_ok(), "{text} -> {n}");
            }
            let _ = parse_duration(&text);
            let _ = parse_days(&num);
        }
    }
}
