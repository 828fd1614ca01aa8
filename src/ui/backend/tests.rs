//! The quiet backend against a terminal emulator.
