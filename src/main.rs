//! The `peitao` command: serve the API, manage the schema, and (as they arrive) seed and import.

use std::{io::Write, path::PathBuf, process::ExitCode};

use clap::{Parser, Subcommand};
use peitao_api::{
    Application, Settings,
    accounts::{NewAdministrator, create_administrator},
    telemetry,
};
use peitao_domain::{Email, ParkId, Role};
use peitao_store::{MigrationState, Store};

/// Peitao (配套): supply-chain matchmaking between lead enterprises and SME suppliers.
#[derive(Debug, Parser)]
#[command(name = "peitao", version, about, propagate_version = true)]
struct Cli {
    /// Folder holding `$PEITAO_ENV.toml` (the defaults are compiled in).
    #[arg(
        long,
        global = true,
        env = "PEITAO_CONFIG_DIR",
        default_value = "config"
    )]
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
    /// Manage administrator accounts.
    User {
        #[command(subcommand)]
        action: UserAction,
    },
}

#[derive(Debug, Subcommand)]
enum UserAction {
    /// Create a park or platform administrator. Without --password-stdin a password is generated
    /// and printed once.
    Create {
        /// `park_admin` or `platform_admin`.
        #[arg(long)]
        role: String,
        #[arg(long)]
        email: String,
        /// The park a park administrator administers.
        #[arg(long)]
        park: Option<i64>,
        #[arg(long, default_value = "Administrator")]
        display_name: String,
        /// Read the password from the first line of standard input.
        #[arg(long)]
        password_stdin: bool,
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
        Command::User { action } => {
            let store = Store::connect(&settings.connect_options()).await?;
            store.migrate_up().await?;
            user(&store, action).await?;
            store.close().await?;
        }
    }
    Ok(())
}

async fn user(store: &Store, action: UserAction) -> anyhow::Result<()> {
    let UserAction::Create {
        role,
        email,
        park,
        display_name,
        password_stdin,
    } = action;
    let password = if password_stdin {
        let mut line = String::new();
        std::io::stdin().read_line(&mut line)?;
        Some(line.trim_end_matches(['\r', '\n']).to_owned())
    } else {
        None
    };
    let created = create_administrator(
        store,
        NewAdministrator {
            email: Email::parse(&email)?,
            display_name,
            role: Role::parse(&role)?,
            park_id: park.map(ParkId),
            password,
        },
    )
    .await?;
    let mut out = std::io::stdout().lock();
    writeln!(
        out,
        "created {} {} (user id {})",
        created.user.role.as_str(),
        created.user.email,
        created.user.id
    )?;
    if let Some(password) = created.generated_password {
        writeln!(out, "password (shown once): {password}")?;
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
