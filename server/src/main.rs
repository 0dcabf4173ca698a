//! Starts the Tandem web server (no arguments), or runs a command (`server staff create ...`,
//! see `cli`): configuration from the environment, then everything else lives in the
//! `server` library.

use std::process::ExitCode;

use app::server::Config;

/// mimalloc instead of glibc's malloc: rendering a page allocates many small objects, and
/// glibc's malloc/free took about 30% of a catalog render's CPU (figures in the README).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> anyhow::Result<ExitCode> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if !args.is_empty() {
        return Ok(server::cli::run(&args).await);
    }
    let config = Config::from_env()?;
    server::telemetry::init(config.log_format);
    let leptos_options = server::startup::with_built_file_names(
        leptos::config::get_configuration(None)?.leptos_options,
    );
    let application = server::startup::Application::build(config, leptos_options).await?;
    tracing::info!(address = %application.address(), "Tandem is listening");
    application
        .run_until_stopped(server::serve::stop_signal())
        .await?;
    Ok(ExitCode::SUCCESS)
}
