//! The command line: clap definitions and a thin dispatch into the engine.
//!
//! Promises (see CONTRACT.md): exit 0 on success, 1 on error, 2/3 for `code` with no/several
//! matches; errors are one line on stderr (plus an optional `hint:` line); output meant for
//! scripts goes to stdout; usage errors exit 1 too (not clap's 2, which means "no match").
//! Output goes through [`outln!`] and [`errln!`]: a closed pipe (`keyfob list | head -c 10`)
//! or a full disk (`> /dev/full`) is a one-line error on stdout's side and ignored on
//! stderr's, never a panic.

use std::io::Write;
use std::path::PathBuf;

use clap::{CommandFactory, Parser, Subcommand, ValueEnum};

use crate::config::{self, Config};
pub use crate::context::Context;
use crate::failure::Failure;
use crate::unlock::Access;
pub use deferred::Deferred;
pub use fast::OFF_VAR as FAST_PATH_OFF_VAR;

#[macro_use]
mod output;
mod agent_cmds;
pub(crate) mod clipboard_hold;
mod deferred;
mod entries;
mod fast;
mod generate;
mod man;
mod merge;
mod reach;
mod recipients;
mod show;
mod stdin;
mod transfer;
mod trust;
mod vault_cmds;
mod watch;

/// The heading global options stand under, apart from each subcommand's own options.
const GLOBAL: &str = "Global options";

/// `code`'s exit statuses (the contract's), shown under its help.
const CODE_EXIT: &str = "Exit status:\n  0  the code was printed\n  1  an error (the message says which; nothing printed)\n  \
    2  no entry matches QUERY\n  3  several entries match (listed on stderr with their serial numbers; make QUERY exact, e.g. issuer:account)";

/// `merge`'s exit statuses and git set-up, shown under its help.
const MERGE_HELP: &str = "Exit status: 0 merged; 1 an entry was changed differently on both sides (both versions are \
    kept, the second flagged [conflict]) or nothing could be merged (the message says which).\n\n\
    As a git merge driver:\n  echo 'vault.age merge=keyfob -diff' >> .gitattributes\n  \
    git config merge.keyfob.name 'keyfob vault merge'\n  git config merge.keyfob.driver 'keyfob merge %O %A %B %P'";

/// `agent`'s exit statuses.
const AGENT_EXIT: &str = "Exit status: 0 the agent ended normally (or, with --status, one runs), \
    1 error, 2 with --status: no agent holds the vault.";

/// The exit statuses of commands that pick one entry by QUERY.
const PICK_EXIT: &str =
    "Exit status: 0 done, 1 error, 2 no entry matches QUERY, 3 several match (listed on stderr).";

#[derive(Debug, Parser)]
#[command(
    name = "keyfob",
    version,
    about = "A terminal authenticator: TOTP, HOTP and Steam codes from one age-encrypted vault",
    long_about = "A terminal authenticator: TOTP, HOTP and Steam codes from one age-encrypted vault.\n\n\
        Run without a command to open the screen. The vault is a standard age file: \
        `age -d` always gets your data back.",
    after_help = "Exit status: 0 success, 1 error, 2 no entry matched, 3 several entries matched, \
        4 an import where some entries failed."
)]
pub struct Cli {
    /// The vault file [default: <data dir>/keyfob/vault.age]
    #[arg(long, global = true, env = "KEYFOB_VAULT", value_name = "PATH", help_heading = GLOBAL)]
    pub vault: Option<PathBuf>,
    /// Settings file [default: <config dir>/keyfob/config.ron]
    #[arg(long, global = true, env = "KEYFOB_CONFIG", value_name = "PATH", help_heading = GLOBAL)]
    pub config: Option<PathBuf>,
    /// Unlock with an age identity file (plain, passphrase-protected, or a hardware key's
    /// AGE-PLUGIN-… lines) or an OpenSSH private key (ed25519/RSA)
    #[arg(long, global = true, env = "KEYFOB_IDENTITY", value_name = "FILE", help_heading = GLOBAL)]
    pub identity: Option<PathBuf>,
    /// Read the passphrase (the vault's, or a protected identity's) from the first line of
    /// FILE ("-" = stdin) instead of asking
    #[arg(long, global = true, value_name = "FILE", help_heading = GLOBAL)]
    pub passphrase_file: Option<PathBuf>,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Open the screen (the default with no command)
    Ui,
    /// Create an empty vault (passphrase, a new protected identity, or --identity / --recipient keys)
    Init {
        /// Also encrypt to this recipient (age1…, a plugin's age1yubikey1…, or an
        /// ssh-ed25519/ssh-rsa public key line)
        #[arg(long, value_name = "R")]
        recipient: Vec<String>,
        /// Make a new key, protected by a passphrase, and seal the vault to it: one scrypt per
        /// start instead of one per save [default FILE: <data dir>/keyfob/identity.age]
        #[arg(long, value_name = "FILE", num_args = 0..=1)]
        new_identity: Option<Option<PathBuf>>,
    },
    /// Add an account from a secret or an otpauth:// URI
    Add(Deferred<entries::AddArgs>),
    /// Show every entry with its current code
    List {
        /// Print a JSON array (no secrets)
        #[arg(long)]
        json: bool,
        /// Use this Unix time instead of now
        #[arg(long, value_name = "UNIX")]
        at: Option<u64>,
    },
    /// Print the current code of the entry matching QUERY
    #[command(after_help = CODE_EXIT)]
    Code {
        /// Matched against issuer, account, issuer:account and serial (exact match wins)
        query: String,
        /// Use this Unix time instead of now
        #[arg(long, value_name = "UNIX")]
        at: Option<u64>,
        /// Also copy the code to the clipboard
        #[arg(long)]
        copy: bool,
        /// Print the entry as a JSON object (as `list --json`)
        #[arg(long)]
        json: bool,
        /// If fewer than N seconds of the code are left, wait for the next code and print that
        #[arg(long, value_name = "N", conflicts_with = "next")]
        min_remaining: Option<u32>,
        /// Print the code of the next period instead (without waiting)
        #[arg(long)]
        next: bool,
    },
    /// Print each new code of the entry matching QUERY as its period starts, until interrupted
    #[command(after_help = "Exit status:\n  \
            0  the reader went away (a closed pipe ends watch quietly)\n  \
            1  an error (the message says which)\n  \
            2  no entry matches QUERY\n  \
            3  several entries match (listed on stderr with their serial numbers)")]
    Watch {
        /// Matched as for `code` (issuer, account, issuer:account, serial; exact match wins)
        query: String,
        /// One JSON object a line: {"code", "remaining", "at"}
        #[arg(long)]
        json: bool,
    },
    /// Delete one entry
    #[command(after_help = PICK_EXIT)]
    Remove {
        /// Which entry (same matching as `code`)
        query: String,
        /// Do not ask for confirmation
        #[arg(long, short)]
        yes: bool,
    },
    /// Change an entry's fields
    #[command(after_help = PICK_EXIT)]
    Edit(Deferred<entries::EditArgs>),
    /// Re-encrypt the vault with a new passphrase or new recipients
    Passwd {
        /// Encrypt to these recipients instead of a passphrase
        #[arg(long, value_name = "R")]
        recipient: Vec<String>,
        /// Read the new passphrase from this file ("-" = stdin)
        #[arg(long, value_name = "FILE")]
        new_passphrase_file: Option<PathBuf>,
    },
    /// Show the vault's recipients and record them as trusted on this machine
    Trust,
    /// Show or change who a shared vault is sealed to (re-seals the vault and its backup)
    Recipients {
        #[command(subcommand)]
        action: recipients::RecipientsAction,
    },
    /// Merge copies of the vault: git's three versions (a merge driver: the result goes to
    /// OURS), or with no files Syncthing's conflict copies beside the vault
    #[command(after_help = MERGE_HELP)]
    Merge(Deferred<merge::MergeArgs>),
    /// Import seeds from files other apps exported
    #[command(after_help = "Exit status:\n  \
            0  every entry was added or was already in the vault\n  \
            4  some entries were imported, some failed (each failure is listed on stderr)\n  \
            1  nothing could be imported, or --strict and something failed (nothing written)")]
    Import(Deferred<transfer::ImportArgs>),
    /// Export entries for other apps (secrets in the clear need --plaintext)
    Export(Deferred<transfer::ExportArgs>),
    /// Make fresh random secrets (and an Entra hardware-token CSV)
    Generate(Deferred<generate::GenerateArgs>),
    /// Unlock the vault once and keep it unlocked in a background agent: the next commands
    /// ask nothing
    Unlock,
    /// Lock the vault now: its agent wipes the keys it holds and ends
    Lock,
    /// Run the agent in the foreground (for a service manager), or say whether one runs
    #[command(after_help = AGENT_EXIT)]
    Agent {
        /// Say whether an agent holds the vault unlocked, and when it locks
        #[arg(long)]
        status: bool,
    },
    /// Print a shell completion script
    Completions {
        /// The shell to complete for
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the manual page (roff), or write one page per command into a folder
    #[command(hide = true)]
    Man {
        /// Write keyfob.1 and keyfob-COMMAND.1 into this folder instead of printing
        #[arg(long, value_name = "DIR")]
        dir: Option<PathBuf>,
    },
    /// (internal) The background agent `unlock` starts; it reads its key from stdin
    #[command(name = "__agent", hide = true)]
    AgentServe,
    /// (internal) Hold a copied code in the clipboard and clear it later
    #[command(name = "__hold-clipboard", hide = true)]
    HoldClipboard(Deferred<clipboard_hold::HoldArgs>),
}

/// `--algorithm` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum AlgorithmArg {
    Sha1,
    Sha256,
    Sha512,
}

impl From<AlgorithmArg> for crate::engine::otp::Algorithm {
    fn from(a: AlgorithmArg) -> Self {
        match a {
            AlgorithmArg::Sha1 => Self::Sha1,
            AlgorithmArg::Sha256 => Self::Sha256,
            AlgorithmArg::Sha512 => Self::Sha512,
        }
    }
}

fn vault_path(cli: &Cli) -> Result<PathBuf, Failure> {
    cli.vault
        .clone()
        .or_else(config::default_vault_path)
        .ok_or_else(|| {
            Failure::new("cannot work out the default vault location (no home folder)")
                .with_hint("pass --vault PATH or set KEYFOB_VAULT")
        })
}

/// Parses arguments, runs the command and returns the exit status.
pub fn main() -> u8 {
    crate::hardening::apply();
    let args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    if let Some(code) = fast::code(&args) {
        crate::failure::test_scrypt_report();
        return code;
    }
    let cli = match parse(args) {
        Ok(cli) => cli,
        Err(e) => {
            if matches!(
                e.kind(),
                clap::error::ErrorKind::DisplayHelp | clap::error::ErrorKind::DisplayVersion
            ) {
                let _ = e.print();
                return 0;
            }
            let _ = writeln!(std::io::stderr().lock(), "{}", usage_failure(&e));
            return 1;
        }
    };
    let result = run(cli);
    crate::failure::test_scrypt_report();
    match result {
        Ok(code) => code,
        Err(failure) => {
            let mut stderr = std::io::stderr().lock();
            let _ = writeln!(stderr, "{failure}");
            failure.exit
        }
    }
}

/// Parses the process arguments. Negative numbers are taken as values (so `--period -30`
/// is refused as a bad period, not as an unknown flag `-3`).
fn parse(args: Vec<std::ffi::OsString>) -> Result<Cli, clap::Error> {
    use clap::FromArgMatches;
    let command = Cli::command()
        .allow_negative_numbers(true)
        .mut_subcommands(|sub| sub.allow_negative_numbers(true));
    Cli::from_arg_matches(&command.try_get_matches_from(args)?)
}

/// A clap usage error in the contract's shape: one `error:` line (clap's message with its
/// indented continuation joined on), and one `hint:` line (clap's tip, and where to read more).
fn usage_failure(e: &clap::Error) -> Failure {
    let text = e.render().to_string();
    let mut lines = text.lines();
    let first = lines.next().unwrap_or_default();
    let mut message = first
        .strip_prefix("error: ")
        .unwrap_or(first)
        .trim()
        .to_string();
    let (mut tip, mut usage) = (None, None);
    let mut first_paragraph = true;
    for line in lines {
        let line = line.trim();
        if line.is_empty() {
            first_paragraph = false;
        } else if first_paragraph {
            message.push(' ');
            message.push_str(line);
        } else if let Some(rest) = line.strip_prefix("tip: ") {
            tip.get_or_insert(rest);
        } else if let Some(rest) = line.strip_prefix("Usage: ") {
            usage = Some(rest);
        }
    }
    let command = match usage {
        Some(usage) => usage
            .split_whitespace()
            .take_while(|w| !w.starts_with(['-', '<', '[']))
            .collect::<Vec<_>>()
            .join(" "),
        None => {
            let names: Vec<String> = Cli::command()
                .get_subcommands()
                .map(|c| c.get_name().to_string())
                .collect();
            let sub = std::env::args().skip(1).find(|a| names.contains(a));
            format!("keyfob{}", sub.map(|s| format!(" {s}")).unwrap_or_default())
        }
    };
    let more = format!("see `{command} --help`");
    Failure::new(message).with_hint(match tip {
        Some(tip) => format!("{tip}; {more}"),
        None => more,
    })
}

fn run(cli: Cli) -> Result<u8, Failure> {
    stdin::check(&cli)?;
    let config_path = cli.config.clone();
    let command = cli.command.as_ref().unwrap_or(&Command::Ui);
    let used = settings_used(command);
    let context = || -> Result<Context, Failure> {
        let (config, problems) = Config::load(config_path.as_deref()).needed(used)?;
        for problem in &problems {
            match problem {
                crate::config::ConfigError::Read(_) | crate::config::ConfigError::Parse { .. } => {
                    warn(format!("{problem}; the defaults are used"));
                }
                _ => warn(problem),
            }
        }
        Ok(Context {
            access: Access {
                vault: vault_path(&cli)?,
                identity: cli.identity.clone(),
                passphrase_file: cli.passphrase_file.clone(),
            },
            config,
            config_path: config_path.clone(),
        })
    };
    match command {
        Command::Ui => crate::ui::run(&context()?).map(|()| 0),
        Command::Init {
            recipient,
            new_identity,
        } => vault_cmds::init(&context()?, recipient, new_identity.as_ref()),
        Command::Add(args) => entries::add(&context()?, args),
        Command::List { json, at } => show::list(&context()?, *json, *at),
        Command::Code {
            query,
            at,
            copy,
            json,
            min_remaining,
            next,
        } => show::code(
            &context()?,
            query,
            show::CodeArgs {
                at: *at,
                copy: *copy,
                json: *json,
                min_remaining: *min_remaining,
                next: *next,
            },
        ),
        Command::Watch { query, json } => watch::watch(&context()?, query, *json),
        Command::Remove { query, yes } => entries::remove(&context()?, query, *yes),
        Command::Edit(args) => entries::edit(&context()?, args),
        Command::Passwd {
            recipient,
            new_passphrase_file,
        } => vault_cmds::passwd(&context()?, recipient, new_passphrase_file.as_deref()),
        Command::Trust => trust::trust(&context()?),
        Command::Recipients { action } => recipients::recipients(&context()?, action),
        Command::Merge(args) => merge::merge(&context()?, args, cli.vault.is_some()),
        Command::Import(args) => transfer::import(&context()?, args),
        Command::Export(args) => transfer::export(&context()?, args),
        Command::Generate(args) => generate::generate(&context()?, args),
        Command::Completions { shell } => {
            let mut script = Vec::new();
            clap_complete::generate(*shell, &mut Cli::command(), "keyfob", &mut script);
            write_bytes(&script)?;
            Ok(0)
        }
        Command::Unlock => agent_cmds::unlock(&context()?),
        Command::Lock => agent_cmds::lock(&context()?),
        Command::Agent { status: true } => agent_cmds::status(&context()?),
        Command::Agent { status: false } => agent_cmds::foreground(&context()?),
        Command::AgentServe => agent_cmds::handed_over(&context()?),
        Command::Man { dir } => man::man(dir.as_deref()),
        Command::HoldClipboard(args) => clipboard_hold::hold(args),
    }
}

/// The settings `command` uses: a problem with one of them stops it; problems with others
/// are warnings (a broken setting must not cost an unattended `code` its code).
fn settings_used(command: &Command) -> &'static [&'static str] {
    match command {
        Command::Ui => &[
            "clipboard_clear_seconds",
            "idle_lock_minutes",
            "colors",
            "clipboard",
        ],
        Command::Code { copy: true, .. } => &["clipboard_clear_seconds", "clipboard"],
        Command::Unlock | Command::Agent { status: false } | Command::AgentServe => {
            &["agent_idle_minutes", "agent_max_hours"]
        }
        _ => &[],
    }
}

/// Prints a warning line on stderr.
pub fn warn(text: impl std::fmt::Display) {
    crate::failure::warn(text);
}

pub use output::{write_bytes, write_err, write_out};

/// Asks a yes/no question on the terminal; `None` when there is no terminal.
pub fn confirm(question: &str) -> Option<bool> {
    use std::io::{BufRead, BufReader};
    let mut tty = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open("/dev/tty")
        .ok()?;
    write!(tty, "{question} [y/N] ").ok()?;
    tty.flush().ok()?;
    let mut answer = String::new();
    BufReader::new(tty).read_line(&mut answer).ok()?;
    Some(matches!(answer.trim(), "y" | "Y" | "yes" | "YES" | "Yes"))
}
