//! The `peitao` command: serve the API, manage the schema, create administrators, import files
//! and seed a demo province.

mod commands;

use std::{path::PathBuf, process::ExitCode};

use clap::{Parser, Subcommand, ValueEnum};
use peitao_api::{Settings, telemetry};

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
    /// Apply pending migrations, load reference data into empty tables, then serve the HTTP API
    /// until SIGTERM or Ctrl-C (both let requests in flight finish).
    Serve {
        /// Seed the small demo province first when the database holds no organisation yet.
        #[arg(long)]
        demo: bool,
    },
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
    /// Import a file; nothing is stored unless the whole file is good.
    Import {
        #[command(subcommand)]
        what: ImportWhat,
    },
    /// Seed data for trying Peitao out.
    Seed {
        #[command(subcommand)]
        what: SeedWhat,
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
        /// The id of the park a park administrator administers.
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
enum ImportWhat {
    /// Add categories (and, from TOML, chains and links): Peitao's TOML format, or a CSV with
    /// the header `code,name,parent[,name_en]`.
    Taxonomy {
        /// A `.toml` or `.csv` file.
        file: PathBuf,
    },
    /// Add supplier organisations with capabilities and certifications from CSV.
    Suppliers {
        /// A `.csv` file with a header row (see docs/api.md, "Imports").
        file: PathBuf,
    },
}

#[derive(Debug, Subcommand)]
enum SeedWhat {
    /// A demo province: lead firms in their clusters, SMEs across parks and counties, users for
    /// every role (password `peitao-demo-2026`). Deterministic for a given seed.
    Demo {
        #[arg(long, value_enum, default_value_t = DemoScale::Small)]
        scale: DemoScale,
        #[arg(long, default_value_t = 42)]
        seed: u64,
        /// Delete every organisation with its users (and the demo administrators) first when the
        /// database is not empty. Administrators made with `user create` stay.
        #[arg(long)]
        force: bool,
    },
    /// A synthetic province for benchmarks (about 2,000 categories, 400 counties, SMEs with about
    /// five capabilities each, their history as deals, open needs), bulk-loaded in one
    /// transaction. Goes into an empty database: run it with PEITAO__REFERENCE__LOAD_ON_START=false
    /// (and serve that database the same way). Accounts: lead1@synthetic.peitao.example …,
    /// password `peitao-synthetic-2026`.
    Synthetic {
        /// How many SMEs.
        #[arg(long)]
        suppliers: usize,
        /// How many open needs.
        #[arg(long, default_value_t = 1_000)]
        needs: usize,
        #[arg(long, default_value_t = 42)]
        seed: u64,
        /// Empty every data table first, reference data included.
        #[arg(long)]
        force: bool,
    },
}

/// The demo's size.
#[derive(Debug, Clone, Copy, ValueEnum)]
enum DemoScale {
    /// 12 lead enterprises, 150 SMEs.
    Small,
    /// 40 lead enterprises, 1,500 SMEs.
    Medium,
    /// 150 lead enterprises, 15,000 SMEs.
    Large,
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
    match runtime.block_on(commands::run(cli.command, settings)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("peitao: {err:#}");
            ExitCode::FAILURE
        }
    }
}
