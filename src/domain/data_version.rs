//! Which data version (数据版本) a write moves. Every write that changes
//! what a list or report shows records an audit entry in its transaction;
//! the entry's action says which scopes it moves, so no write site can
//! forget to invalidate the caches of other servers.

/// A part of the data that caches and the checklist catalog follow.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scope {
    /// Anything a list, page or report shows.
    Data,
    /// The checklist versions authored, published or adopted on the pages
    /// (the catalog every server holds in memory).
    Checklists,
}

impl Scope {
    /// The key of the scope's row in `data_versions`.
    pub fn as_str(self) -> &'static str {
        match self {
            Scope::Data => "data",
            Scope::Checklists => "checklists",
        }
    }
}

/// Actions that change nothing shown: signing in, ending sessions,
/// passwords and sign-in locks.
const UNSEEN: &[&str] = &[
    "session.create",
    "session.end_all",
    "user.password",
    "user.unlock",
];

/// The scopes an audited action moves.
pub fn moved_by(action: &str) -> &'static [Scope] {
    if UNSEEN.contains(&action) {
        &[]
    } else if action.starts_with("checklist.") || action.starts_with("campaign.") {
        &[Scope::Data, Scope::Checklists]
    } else {
        &[Scope::Data]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sign_ins_move_nothing() {
        assert!(moved_by("session.create").is_empty());
        assert!(moved_by("user.unlock").is_empty());
    }

    #[test]
    fn results_move_the_data_only() {
        assert_eq!(moved_by("upload.accept"), &[Scope::Data]);
        assert_eq!(moved_by("rectification.verify"), &[Scope::Data]);
        // An action nobody listed yet is taken to change what is shown.
        assert_eq!(moved_by("something.new"), &[Scope::Data]);
    }

    #[test]
    fn checklists_move_the_catalog_too() {
        assert_eq!(
            moved_by("checklist.publish"),
            &[Scope::Data, Scope::Checklists]
        );
        assert_eq!(
            moved_by("campaign.checklist"),
            &[Scope::Data, Scope::Checklists]
        );
    }
}
