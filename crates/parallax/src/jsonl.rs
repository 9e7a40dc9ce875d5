//! Reading and writing JSON Lines for the commands other tools call.

use std::fs::File;
use std::io::{BufRead, BufReader, Write};
use std::path::Path;

use anyhow::{Context, Result};
use serde::Serialize;
use serde::de::DeserializeOwned;

/// Calls `each` with every well-formed line of `input` (standard input when
/// `None`) and its 1-based number. A blank line is skipped; a malformed one
/// is reported on stderr with its number and skipped.
pub fn read_lines<T: DeserializeOwned>(input: Option<&Path>, mut each: impl FnMut(usize, T)) -> Result<()> {
    let name = input.map_or_else(|| "standard input".to_string(), |p| p.display().to_string());
    let reader: Box<dyn BufRead> = match input {
        Some(path) => Box::new(BufReader::new(File::open(path).with_context(|| format!("cannot open {name}"))?)),
        None => Box::new(BufReader::new(std::io::stdin().lock())),
    };
    let mut skipped = 0usize;
    for (index, line) in reader.split(b'\n').enumerate() {
        let number = index + 1;
        let bytes = line.with_context(|| format!("cannot read {name}"))?;
        let text = String::from_utf8_lossy(&bytes);
        if text.trim().is_empty() {
            continue;
        }
        match serde_json::from_str::<T>(&text) {
            Ok(value) => each(number, value),
            Err(error) => {
                skipped += 1;
                eprintln!("warning: {name}: line {number}: {error}; line skipped");
            }
        }
    }
    if skipped > 0 {
        eprintln!("warning: {name}: {skipped} malformed lines skipped");
    }
    Ok(())
}

/// A writer to `output`, or standard output when `None`.
pub fn writer(output: Option<&Path>) -> Result<Box<dyn Write>> {
    Ok(match output {
        Some(path) => Box::new(File::create(path).with_context(|| format!("cannot create {}", path.display()))?),
        None => Box::new(std::io::stdout().lock()),
    })
}

/// Writes one value as one line. A closed pipe (`| head`) ends the program
/// quietly, as Unix tools do.
pub fn write_line(out: &mut impl Write, value: &impl Serialize) -> Result<()> {
    let written =
        serde_json::to_writer(&mut *out, value).map_err(std::io::Error::from).and_then(|()| out.write_all(b"\n"));
    match written {
        Err(error) if error.kind() == std::io::ErrorKind::BrokenPipe => std::process::exit(0),
        other => other.context("cannot write the output"),
    }
}
