use std::process::ExitCode;

fn main() -> ExitCode {
    bisk_docs::cli::main()
}
