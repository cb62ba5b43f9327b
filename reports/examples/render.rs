//! Render the reports into an existing output directory:
//! `cargo run -p reports --example render -- DIR [--en] [--suppress N] [--target PCT]`
fn main() {
    let mut args = std::env::args().skip(1);
    let dir = std::path::PathBuf::from(
        args.next()
            .expect("usage: render DIR [--en] [--suppress N] [--target PCT]"),
    );
    let mut opts = reports::Options::default();
    while let Some(a) = args.next() {
        match a.as_str() {
            "--en" => opts.lang = reports::Lang::En,
            "--suppress" => {
                opts.suppress_below = Some(
                    args.next()
                        .and_then(|s| s.parse().ok())
                        .expect("--suppress N"),
                )
            }
            "--target" => {
                opts.target_pct = args
                    .next()
                    .and_then(|s| s.parse().ok())
                    .expect("--target PCT")
            }
            other => panic!("unknown argument {other}"),
        }
    }
    match reports::render(&dir, &opts) {
        Ok(r) => {
            for f in r.files {
                println!("{}", f.display());
            }
        }
        Err(e) => {
            eprintln!("error: {e}");
            std::process::exit(1);
        }
    }
}
