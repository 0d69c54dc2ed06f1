//! sea-orm entities, one module a table. Only this crate sees them: the rest of Peitao works with
//! the domain types the query modules return.

pub mod bom_lines;
pub mod boms;
pub mod capabilities;
pub mod categories;
pub mod category_links;
pub mod certifications;
pub mod chains;
pub mod credentials;
pub mod deals;
pub mod event_audience;
pub mod events;
pub mod idempotency_keys;
pub mod need_history;
pub mod need_invitations;
pub mod needs;
pub mod organization_history;
pub mod organizations;
pub mod parks;
pub mod production_sites;
pub mod quotes;
pub mod refresh_tokens;
pub mod regions;
pub mod supplier_deal_totals;
pub mod users;
pub mod webhook_deliveries;
pub mod webhook_dispatch;
pub mod webhook_endpoints;
