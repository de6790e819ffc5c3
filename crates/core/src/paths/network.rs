//! Refusing a data directory on a network share.
//!
//! The store is SQLite in write-ahead-log mode, whose shared-memory index
//! and locks do not work over SMB or NFS (SQLite's own documentation says
//! so): two handles there can corrupt the log. Windows desktops with folder
//! redirection and Linux desktops with NFS home folders put the default
//! folder on a server, so Kuvert says so plainly instead of opening it.

use std::path::Path;

/// The network file system `dir` (or, when it does not exist yet, the
/// nearest folder above it that does) is on; `None` on a local disk.
pub fn network_file_system(dir: &Path) -> Option<&'static str> {
    if let Some(share) = unc_share(dir) {
        return Some(share);
    }
    let existing = dir.ancestors().find(|a| a.exists())?;
    file_system_of(existing)
}

/// A Windows UNC path (`\\server\share\…`, `\\?\UNC\server\…`) is a share;
/// `\\?\C:\…` is a local disk.
fn unc_share(dir: &Path) -> Option<&'static str> {
    let text = dir.to_string_lossy();
    let on_share = text.starts_with(r"\\?\UNC\")
        || (text.starts_with(r"\\") && !text.starts_with(r"\\?\") && !text.starts_with(r"\\.\"));
    on_share.then_some("a Windows share (UNC path)")
}

#[cfg(target_os = "linux")]
#[allow(clippy::useless_conversion)] // the field's type differs between C libraries
fn file_system_of(dir: &Path) -> Option<&'static str> {
    let kind = nix::sys::statfs::statfs(dir).ok()?.filesystem_type().0;
    network_kind(i64::from(kind))
}

// Elsewhere only UNC paths are told apart (mapped drives: see the README's
// note for IT).
#[cfg(not(target_os = "linux"))]
fn file_system_of(_: &Path) -> Option<&'static str> {
    None
}

/// The network file systems among Linux's `statfs` magic numbers
/// (`linux/magic.h`, and `fs/smb/client` for CIFS and SMB2).
pub fn network_kind(magic: i64) -> Option<&'static str> {
    Some(match magic {
        0x6969 => "NFS",
        0x517b => "SMB",
        0xff53_4d42 => "CIFS (SMB)",
        0xfe53_4d42 => "SMB2",
        0x5346_414f => "AFS",
        0x7375_7245 => "Coda",
        0x00c3_6400 => "Ceph",
        0x0102_1997 => "9P (a shared folder of a virtual machine)",
        0x564c => "NCP",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_network_file_systems_are_named_and_local_ones_are_not() {
        assert_eq!(network_kind(0x6969), Some("NFS"));
        assert_eq!(network_kind(0xff53_4d42), Some("CIFS (SMB)"));
        assert_eq!(network_kind(0xfe53_4d42), Some("SMB2"));
        // ext4, btrfs, tmpfs, xfs, overlayfs
        for local in [0xef53, 0x9123_683e, 0x0102_1994, 0x5846_5342, 0x794c_7630] {
            assert_eq!(network_kind(local), None);
        }
    }

    #[test]
    fn unc_paths_are_shares_and_local_drive_paths_are_not() {
        assert!(unc_share(Path::new(r"\\fileserver\home$\anna\AppData\Local\Kuvert")).is_some());
        assert!(unc_share(Path::new(r"\\?\UNC\fileserver\home\anna")).is_some());
        assert!(unc_share(Path::new(r"\\?\C:\Users\anna\AppData\Local\Kuvert")).is_none());
        assert!(unc_share(Path::new(r"C:\Users\anna\AppData\Local\Kuvert")).is_none());
        assert!(unc_share(Path::new("/home/anna/.local/share/kuvert")).is_none());
    }

    #[test]
    fn a_local_folder_not_made_yet_is_judged_by_the_folder_above_it() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(network_file_system(&dir.path().join("not/yet/made")), None);
    }
}
