//! Unit tests of the analysis stage as a whole.
