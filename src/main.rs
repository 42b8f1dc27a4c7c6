fn main() -> std::process::ExitCode {
    nianjian::cli::main()
}
