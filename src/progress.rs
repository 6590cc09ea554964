//! Progress bars on stderr, hidden when stderr is not a terminal.
