//! Issue 13 (a vault a team shares) and issue 9 item 12 (rolled-back vaults): the generation
//! rule, merges, recipients, and three clones of one vault working through git.

mod git;
mod merge;
mod recipients;
mod rollback;
