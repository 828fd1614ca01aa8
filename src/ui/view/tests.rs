//! Buffer and snapshot tests of the whole screen.
