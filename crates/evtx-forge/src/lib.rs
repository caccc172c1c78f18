//! evtx-forge: writes real .evtx files from readable specs.
