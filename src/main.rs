//! The `peitao` command: serve the API, manage the schema, and (as they arrive) seed and import.

use std::{path::PathBuf, process::ExitCode};

use clap::{Parser, Subcommand};
use peitao_api::{Application, Settings, telemetry};
use peitao_store::{MigrationState, Store};

/// Peitao (配套): supply-chain matchmaking between lead enterprises and SME suppliers.
#[derive(Debug, Parser)]
#[command(name = "peitao", version, about, propagate_version = true)]
struct Cli {
    /// Folder holding `$PEITAO_ENV.toml` (the defaults are compiled in).
    #[arg(long, global = true, env = "PEITAO_CONFIG_DIR", default_value = "config")]
    config_dir: PathBuf,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Apply pending migrations, then serve the HTTP API until SIGTERM or Ctrl-C.
    Serve,
    /// Inspect or change the database schema.
    Migrate {
        #[command(subcommand)]
        action: MigrateAction,
    },
}

#[derive(Debug, Subcommand)]
enum MigrateAction {
    /// Apply every pending migration.
    Up,
    /// Revert the most recent migrations.
    Down {
        /// How many migrations to revert.
        #[arg(long, default_value_t = 1)]
        steps: u32,
    },
    /// List every migration and whether it is applied.
    Status,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let settings = match Settings::load(&cli.config_dir) {
        Ok(settings) => settings,
        Err(err) => {
            eprintln!("peitao: {err}");
            return ExitCode::from(2);
        }
    };
    telemetry::init(&settings.log);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(err) => {
            eprintln!("peitao: could not start the async runtime: {err}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli.command, settings)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("peitao: {err:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run(command: Command, settings: Settings) -> anyhow::Result<()> {
    match command {
        Command::Serve => {
            let app = Application::build(&settings).await?;
            app.run_until_stopped().await?;
        }
        Command::Migrate { action } => {
            let store = Store::connect(&settings.connect_options()).await?;
            migrate(&store, action).await?;
            store.close().await?;
        }
    }
    Ok(())
}

async fn migrate(store: &Store, action: MigrateAction) -> anyhow::Result<()> {
    match action {
        MigrateAction::Up => {
            let applied = store.migrate_up().await?;
            eprintln!("applied {applied} migration(s)");
        }
        MigrateAction::Down { steps } => {
            store.migrate_down(steps).await?;
            eprintln!("reverted {steps} migration(s)");
        }
        MigrateAction::Status => {
            for migration in store.migration_status().await? {
                let state = match migration.state {
                    MigrationState::Applied => "applied",
                    MigrationState::Pending => "pending",
                };
                eprintln!("{state:8} {}", migration.name);
            }
        }
    }
    Ok(())
}
