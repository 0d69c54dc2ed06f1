//! Capability processes as a JSON array of strings instead of names joined by `;`: a process
//! named `cut;weld` used to come back as two. Existing rows are converted: the old text is split
//! on `;`, as it was read before. The steps run in one transaction on every backend: the
//! conversion is all or nothing, and on SQLite the steps stay on one connection (spread over a
//! pool of several, the rename failed with `no such column`).

use sea_orm_migration::{
    prelude::*,
    schema::*,
    sea_orm::{ConnectionTrait, JsonValue},
};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Capabilities::Table)
                    .add_column(json_binary(Capabilities::ProcessesJson).default("[]"))
                    .to_owned(),
            )
            .await?;
        let connection = manager.get_connection();
        let joined = connection
            .query_all(
                Query::select()
                    .distinct()
                    .column(Capabilities::Processes)
                    .from(Capabilities::Table),
            )
            .await?;
        for row in joined {
            let text: String = row.try_get("", "processes")?;
            let list: Vec<JsonValue> = text
                .split(';')
                .filter(|process| !process.is_empty())
                .map(JsonValue::from)
                .collect();
            connection
                .execute(
                    Query::update()
                        .table(Capabilities::Table)
                        .value(Capabilities::ProcessesJson, JsonValue::Array(list))
                        .and_where(Expr::col(Capabilities::Processes).eq(text)),
                )
                .await?;
        }
        replace_column(
            manager,
            Capabilities::Processes,
            Capabilities::ProcessesJson,
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Capabilities::Table)
                    .add_column(string(Capabilities::ProcessesText).default(""))
                    .to_owned(),
            )
            .await?;
        let connection = manager.get_connection();
        let lists = connection
            .query_all(
                Query::select()
                    .column(Capabilities::Id)
                    .column(Capabilities::Processes)
                    .from(Capabilities::Table),
            )
            .await?;
        for row in lists {
            let id: i64 = row.try_get("", "id")?;
            let list: JsonValue = row.try_get("", "processes")?;
            let names: Vec<&str> = list
                .as_array()
                .map(|items| items.iter().filter_map(JsonValue::as_str).collect())
                .unwrap_or_default();
            connection
                .execute(
                    Query::update()
                        .table(Capabilities::Table)
                        .value(Capabilities::ProcessesText, names.join(";"))
                        .and_where(Expr::col(Capabilities::Id).eq(id)),
                )
                .await?;
        }
        replace_column(
            manager,
            Capabilities::Processes,
            Capabilities::ProcessesText,
        )
        .await
    }
}

/// Drops `old` and gives `new` its name, one statement each (SQLite alters one thing at a time).
async fn replace_column(
    manager: &SchemaManager<'_>,
    old: Capabilities,
    new: Capabilities,
) -> Result<(), DbErr> {
    manager
        .alter_table(
            Table::alter()
                .table(Capabilities::Table)
                .drop_column(old)
                .to_owned(),
        )
        .await?;
    manager
        .alter_table(
            Table::alter()
                .table(Capabilities::Table)
                .rename_column(new, Capabilities::Processes)
                .to_owned(),
        )
        .await
}

#[derive(DeriveIden, Clone, Copy)]
enum Capabilities {
    Table,
    Id,
    Processes,
    ProcessesJson,
    ProcessesText,
}
