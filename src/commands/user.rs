//! `peitao user create`.

use std::io::Write;

use peitao_app::accounts::{NewAdministrator, create_administrator};
use peitao_domain::{Email, ParkId, Role, text};
use peitao_store::Store;

use crate::UserAction;

pub async fn run(store: &Store, action: UserAction) -> anyhow::Result<()> {
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
            display_name: text::DISPLAY_NAME.parse(&display_name)?,
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
