//! Flags whose values are a library enum's named choices.

/// A flag whose values are the named choices of a library enum (`all`), each listed in
/// `--help` with its help line: the CLI mirrors no library type.
pub fn choice<T: Copy + Send + Sync + 'static>(
    all: &'static [T],
    name: fn(T) -> &'static str,
    help: fn(T) -> &'static str,
) -> impl clap::builder::TypedValueParser<Value = T> {
    use clap::builder::{PossibleValue, PossibleValuesParser, TypedValueParser};
    PossibleValuesParser::new(
        all.iter()
            .map(|&v| PossibleValue::new(name(v)).help(help(v))),
    )
    .map(move |chosen| {
        *all.iter()
            .find(|&&v| name(v) == chosen)
            .expect("clap only passes listed values")
    })
}
