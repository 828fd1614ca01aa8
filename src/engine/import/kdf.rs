//! Limits on the key derivation an encrypted export asks for.
//!
//! An export names its own work factor (PBKDF2 rounds, scrypt N·r·p, Argon2 memory and
//! passes), so a hostile or damaged file could ask for hours of CPU or gigabytes of memory.
//! Each format's parameters are checked here against what the app itself writes: a little
//! above it where the app uses fixed values, the app's own maximum where it lets its users
//! choose (Bitwarden), its own constant product where it trades memory for passes (Ente).
//! (Sources: each app's published code; README's "Bad input and attacks" table.)
//!
//! Promises:
//! - A value from a file reaches a key derivation only as a [`Pbkdf2Rounds`], [`ScryptCost`]
//!   or [`Argon2Cost`], and those are made only by the checks below (or from an app's own
//!   constants, [`Pbkdf2Rounds::constant`], [`Argon2Cost::constant`]).
//! - The checks do no work and need no password: a refusal comes before any password is
//!   asked for (andOTP's old layout aside, see `andotp.rs`), as a [`KdfRefusal`] naming the
//!   parameter, its value, what keyfob accepts and why.
//! - Minimums are the apps' and libraries' own (zero rounds, Argon2's 8 KiB); a tiny work
//!   factor costs an import nothing and protects nothing (whoever wrote the file has its
//!   seeds), so the only minimum above that is Bitwarden's, which its own importer applies.

/// A PBKDF2 round count that passed a format's limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Pbkdf2Rounds(u32);

impl Pbkdf2Rounds {
    /// An app's own fixed round count (not read from a file).
    pub(crate) const fn constant(rounds: u32) -> Pbkdf2Rounds {
        Pbkdf2Rounds(rounds)
    }

    pub(crate) fn get(self) -> u32 {
        self.0
    }
}

/// scrypt parameters that passed a format's limits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct ScryptCost {
    pub(crate) log_n: u8,
    pub(crate) r: u32,
    pub(crate) p: u32,
}

/// Argon2id parameters that passed a format's limits: memory in KiB, passes, lanes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Argon2Cost {
    pub(crate) kib: u32,
    pub(crate) passes: u32,
    pub(crate) lanes: u32,
}

impl Argon2Cost {
    /// An app's own fixed parameters (not read from a file).
    pub(crate) const fn constant(kib: u32, passes: u32, lanes: u32) -> Argon2Cost {
        Argon2Cost { kib, passes, lanes }
    }
}

/// A number as a person reads it: a count, or an amount of memory.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Amount {
    Count(u64),
    Bytes(u64),
}

impl std::fmt::Display for Amount {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match *self {
            Amount::Count(n) => f.write_str(&grouped(n)),
            Amount::Bytes(n) => {
                for (unit, size) in [("GiB", 1u64 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)] {
                    if n >= size && n.is_multiple_of(size) {
                        return write!(f, "{} {unit}", grouped(n / size));
                    }
                }
                write!(f, "{} bytes", grouped(n))
            }
        }
    }
}

/// `1234567` as `1,234,567`.
fn grouped(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// A key-derivation parameter outside what keyfob accepts for the format.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KdfRefusal {
    /// What it is, as the file calls it where it has a name ("scrypt N", "kdfMemory").
    pub parameter: &'static str,
    pub value: Amount,
    /// The smallest accepted, where there is a minimum worth naming.
    pub min: Option<Amount>,
    pub max: Amount,
    /// Why these limits: what the app writes or accepts.
    pub basis: &'static str,
}

impl std::fmt::Display for KdfRefusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} is {}; keyfob accepts ", self.parameter, self.value)?;
        match self.min {
            Some(min) => write!(f, "{min} to {}", self.max)?,
            None => write!(f, "at most {}", self.max)?,
        }
        write!(f, " ({})", self.basis)
    }
}

/// `value` if it lies in `min..=max`, else the refusal.
fn within(
    parameter: &'static str,
    value: Amount,
    min: Option<Amount>,
    max: Amount,
    basis: &'static str,
) -> Result<u64, KdfRefusal> {
    let raw = |a: Amount| match a {
        Amount::Count(n) | Amount::Bytes(n) => n,
    };
    let v = raw(value);
    if v > raw(max) || min.is_some_and(|m| v < raw(m)) || (min.is_none() && v == 0) {
        return Err(KdfRefusal {
            parameter,
            value,
            min,
            max,
            basis,
        });
    }
    Ok(v)
}

fn rounds_within(
    value: u64,
    min: u64,
    max: u32,
    basis: &'static str,
) -> Result<Pbkdf2Rounds, KdfRefusal> {
    let v = within(
        "the PBKDF2 round count",
        Amount::Count(value),
        Some(Amount::Count(min)),
        Amount::Count(u64::from(max)),
        basis,
    )?;
    Ok(Pbkdf2Rounds(u32::try_from(v).unwrap_or(max)))
}

/// Most PBKDF2 rounds an andOTP backup may ask for.
pub const ANDOTP_MAX_ROUNDS: u32 = 500_000;

/// andOTP's backups: PBKDF2-HMAC-SHA1, a random 140,000 to 160,000 rounds
/// (`PBKDF2_MIN/MAX_BACKUP_ITERATIONS` in andOTP's Constants.java).
pub(crate) fn andotp_rounds(rounds: u32) -> Result<Pbkdf2Rounds, KdfRefusal> {
    rounds_within(
        u64::from(rounds),
        1,
        ANDOTP_MAX_ROUNDS,
        "andOTP writes 140,000 to 160,000",
    )
}

/// Most PBKDF2 rounds a FreeOTP 2 backup may ask for.
pub const FREEOTP_MAX_ROUNDS: u32 = 500_000;

/// FreeOTP 2's master key: PBKDF2-HMAC-SHA512 (SHA1 where SHA512 is missing), 100,000
/// rounds (`ITERATIONS` in FreeOTP's MasterKey.java).
pub(crate) fn freeotp_rounds(rounds: u64) -> Result<Pbkdf2Rounds, KdfRefusal> {
    rounds_within(rounds, 1, FREEOTP_MAX_ROUNDS, "FreeOTP writes 100,000")
}

/// Bitwarden's PBKDF2 range: its clients' `PBKDF2KdfConfig` accepts 5,000 (the old minimum,
/// still the pre-login one) to 2,000,000 rounds, and a password-protected export uses the
/// account's own setting.
pub(crate) fn bitwarden_pbkdf2(rounds: u64) -> Result<Pbkdf2Rounds, KdfRefusal> {
    rounds_within(rounds, 5_000, 2_000_000, "Bitwarden's own range")
}

/// Bitwarden's Argon2id range (its clients' `Argon2KdfConfig`): 2 to 10 passes, 16 to
/// 1,024 MiB, 1 to 16 lanes; a password-protected export uses the account's own setting, so
/// the maximum (1 GiB, 10 passes) can be genuine.
pub(crate) fn bitwarden_argon2(
    passes: u64,
    mib: u64,
    lanes: u64,
) -> Result<Argon2Cost, KdfRefusal> {
    const BASIS: &str = "Bitwarden's own range";
    let passes = within(
        "kdfIterations (Argon2 passes)",
        Amount::Count(passes),
        Some(Amount::Count(2)),
        Amount::Count(10),
        BASIS,
    )?;
    let bytes = within(
        "kdfMemory (Argon2 memory)",
        Amount::Bytes(mib.saturating_mul(1 << 20)),
        Some(Amount::Bytes(16 << 20)),
        Amount::Bytes(1 << 30),
        BASIS,
    )?;
    let lanes = within(
        "kdfParallelism (Argon2 lanes)",
        Amount::Count(lanes),
        Some(Amount::Count(1)),
        Amount::Count(16),
        BASIS,
    )?;
    Ok(cost(bytes / 1024, passes, lanes))
}

/// An [`Argon2Cost`] from values the checks above already bounded.
fn cost(kib: u64, passes: u64, lanes: u64) -> Argon2Cost {
    let small = |n: u64| u32::try_from(n).unwrap_or(u32::MAX);
    Argon2Cost {
        kib: small(kib),
        passes: small(passes),
        lanes: small(lanes),
    }
}

/// Most Argon2 memory an Ente export may ask for: libsodium's "sensitive" level.
pub const ENTE_MAX_MEMORY: u64 = 1 << 30;
/// Most Argon2 work (memory × passes) an Ente export may ask for.
pub const ENTE_MAX_WORK: u64 = 4 << 30;

/// Ente Auth's exports (`deriveSensitiveKey`): libsodium's "sensitive" Argon2id, 1 GiB and
/// 4 passes; on a device short of memory it halves the memory and doubles the passes,
/// keeping their product at 4 GiB. libsodium's own minimum is 8 KiB and one pass.
pub(crate) fn ente_argon2(mem_bytes: u64, ops: u64) -> Result<Argon2Cost, KdfRefusal> {
    const BASIS: &str = "Ente uses libsodium's sensitive level, 1 GiB × 4 passes at most";
    let bytes = within(
        "memLimit (Argon2 memory)",
        Amount::Bytes(mem_bytes),
        Some(Amount::Bytes(8 << 10)),
        Amount::Bytes(ENTE_MAX_MEMORY),
        BASIS,
    )?;
    let passes = within(
        "opsLimit (Argon2 passes)",
        Amount::Count(ops),
        Some(Amount::Count(1)),
        Amount::Count(ENTE_MAX_WORK / (8 << 10)),
        BASIS,
    )?;
    within(
        "memLimit × opsLimit (Argon2 work)",
        Amount::Bytes(bytes.saturating_mul(passes)),
        None,
        Amount::Bytes(ENTE_MAX_WORK),
        BASIS,
    )?;
    Ok(cost(bytes / 1024, passes, 1))
}

/// Most scrypt memory (128·N·r bytes) an Aegis export may ask for.
pub const AEGIS_MAX_MEMORY: u64 = 256 << 20;
/// Most scrypt work (N·r·p) an Aegis export may ask for.
pub const AEGIS_MAX_WORK: u64 = 1 << 21;

/// Aegis' password slots: scrypt N = 2^15, r = 8, p = 1 (`CRYPTO_SCRYPT_N/r/p` in Aegis'
/// CryptoUtils.java), 32 MiB and 2^18 of work. Accepted: N a power of two, up to 8× that
/// memory (256 MiB) and 8× that work.
pub(crate) fn aegis_scrypt(n: u64, r: u64, p: u64) -> Result<ScryptCost, KdfRefusal> {
    const BASIS: &str = "Aegis writes N = 32,768, r = 8, p = 1";
    if !n.is_power_of_two() || n < 2 {
        return Err(KdfRefusal {
            parameter: "scrypt N (a power of two)",
            value: Amount::Count(n),
            min: Some(Amount::Count(2)),
            max: Amount::Count(AEGIS_MAX_MEMORY / 128),
            basis: BASIS,
        });
    }
    let positive = |name, v| {
        within(
            name,
            Amount::Count(v),
            Some(Amount::Count(1)),
            Amount::Count(AEGIS_MAX_WORK),
            BASIS,
        )
    };
    let (r, p) = (positive("scrypt r", r)?, positive("scrypt p", p)?);
    within(
        "scrypt memory (128·N·r)",
        Amount::Bytes(n.saturating_mul(r).saturating_mul(128)),
        None,
        Amount::Bytes(AEGIS_MAX_MEMORY),
        BASIS,
    )?;
    within(
        "scrypt work (N·r·p)",
        Amount::Count(n.saturating_mul(r).saturating_mul(p)),
        None,
        Amount::Count(AEGIS_MAX_WORK),
        BASIS,
    )?;
    Ok(ScryptCost {
        log_n: u8::try_from(n.trailing_zeros()).unwrap_or(u8::MAX),
        r: u32::try_from(r).unwrap_or(u32::MAX),
        p: u32::try_from(p).unwrap_or(u32::MAX),
    })
}

#[cfg(test)]
mod tests;
