//! Process hardening applied first thing in `main`: no core dumps (they would hold decrypted
//! secrets), and on Linux the process is not dumpable (no ptrace attach by same-user processes,
//! no /proc/PID/mem reads).

/// Best effort: failures are ignored (a container may forbid them) since they only add depth.
pub fn apply() {
    let none = rustix::process::Rlimit {
        current: Some(0),
        maximum: Some(0),
    };
    let _ = rustix::process::setrlimit(rustix::process::Resource::Core, none);
    #[cfg(target_os = "linux")]
    let _ = rustix::process::set_dumpable_behavior(rustix::process::DumpableBehavior::NotDumpable);
}

#[cfg(test)]
mod tests {
    #[test]
    fn core_dumps_are_off_after_apply() {
        super::apply();
        let limit = rustix::process::getrlimit(rustix::process::Resource::Core);
        assert_eq!(limit.current, Some(0));
        #[cfg(target_os = "linux")]
        assert_eq!(
            rustix::process::dumpable_behavior().unwrap(),
            rustix::process::DumpableBehavior::NotDumpable
        );
    }
}
