//! Starts the Tandem web server: configuration from the environment, then everything
//! else lives in the `server` library.

use app::server::Config;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let config = Config::from_env()?;
    server::telemetry::init(config.log_format);
    let leptos_options = leptos::config::get_configuration(None)?.leptos_options;
    let application = server::startup::Application::build(config, leptos_options).await?;
    tracing::info!(address = %application.address(), "Tandem is listening");
    application
        .run_until_stopped(server::serve::stop_signal())
        .await
}
