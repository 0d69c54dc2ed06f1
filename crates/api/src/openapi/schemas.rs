//! The schemas of constrained request values, built from the very constants and patterns the
//! domain validates with, so the document and the server cannot disagree. Fields and parameters
//! refer to them with `#[schema(schema_with = …)]` and `#[param(schema_with = …)]`.

use peitao_domain::{
    CredentialTier, OrganizationKind, Role, Visibility, category, credential, need, region,
    supplier, text, user,
};
use peitao_store::page::MAX_LIMIT;
use utoipa::openapi::{Array, ArrayBuilder, Object, ObjectBuilder, Type, schema::SchemaType};

fn string(pattern: &str, max_length: Option<usize>, description: &str) -> Object {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .pattern(Some(pattern))
        .max_length(max_length)
        .description(Some(description))
        .build()
}

fn integer(minimum: i64, maximum: u64, description: &str) -> Object {
    ObjectBuilder::new()
        .schema_type(Type::Integer)
        .format(Some(utoipa::openapi::SchemaFormat::KnownFormat(
            utoipa::openapi::KnownFormat::Int64,
        )))
        .minimum(Some(minimum))
        .maximum(Some(maximum))
        .description(Some(description))
        .build()
}

fn visible_text(rule: text::TextRule, description: &str) -> Object {
    string(
        rule.pattern(),
        Some(rule.max_chars),
        &format!(
            "{description} At most {} characters, at least one of them visible; control and \
             invisible characters (zero-width, bidirectional overrides, byte-order mark) are \
             refused. Surrounding spaces are trimmed.",
            rule.max_chars
        ),
    )
}

/// A six-digit GB/T 2260 region code.
pub fn region_code() -> Object {
    string(
        region::REGION_CODE_PATTERN,
        None,
        "A six-digit GB/T 2260 administrative division code, such as 420606.",
    )
}

/// A category code.
pub fn category_code() -> Object {
    string(
        category::CATEGORY_CODE_PATTERN,
        None,
        "A category code: 1 to 64 letters, digits, `.`, `_` or `-`, such as auto.body.stamping.",
    )
}

/// An e-mail address.
pub fn email() -> Object {
    string(
        text::EMAIL_PATTERN,
        Some(text::MAX_EMAIL_LEN),
        "An e-mail address: visible ASCII before the `@`, a domain of ASCII labels (an \
         internationalised domain in its IDNA `xn--` form). Compared without regard to case.",
    )
}

/// A new password.
pub fn password() -> Object {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .min_length(Some(user::MIN_PASSWORD_LEN))
        .max_length(Some(user::MAX_PASSWORD_LEN))
        .description(Some(format!(
            "{} to {} characters; no composition rules.",
            user::MIN_PASSWORD_LEN,
            user::MAX_PASSWORD_LEN
        )))
        .build()
}

/// An organisation's name.
pub fn organization_name() -> Object {
    visible_text(text::ORGANIZATION_NAME, "The organisation's name.")
}

/// A person's display name.
pub fn display_name() -> Object {
    visible_text(text::DISPLAY_NAME, "How the person is named to others.")
}

/// A unit of capacity.
pub fn unit() -> Object {
    visible_text(text::UNIT, "The unit of capacity, such as pcs, sets or t.")
}

/// A manufacturing process.
pub fn process() -> Object {
    visible_text(text::PROCESS, "A process, such as stamping or welding.")
}

/// A production site's name.
pub fn site_name() -> Object {
    visible_text(text::SITE_NAME, "What the plant is called.")
}

/// A production site's address.
pub fn site_address() -> Object {
    visible_text(
        text::SITE_ADDRESS,
        "The plant's street address, on one line.",
    )
}

/// A certificate number.
pub fn certificate_number() -> Object {
    visible_text(
        text::CERTIFICATE_NUMBER,
        "The number printed on the certificate.",
    )
}

/// A certification kind.
pub fn certification_kind() -> Object {
    string(
        supplier::CERTIFICATION_KIND_PATTERN,
        None,
        "2 to 32 letters, digits or `-`, single spaces allowed between them; stored upper-case \
         without spaces (`iso 9001` is ISO9001).",
    )
}

/// A calendar date.
pub fn date() -> Object {
    string(
        text::DATE_PATTERN,
        None,
        "A calendar date YYYY-MM-DD between 1900-01-01 and 2199-12-31.",
    )
}

/// Free text to search for.
pub fn search_text() -> Object {
    visible_text(
        text::SEARCH_TEXT,
        "Text to look for, without regard to case.",
    )
}

/// A yearly capacity.
pub fn annual_capacity() -> Object {
    integer(1, supplier::MAX_CAPACITY, "Units a year, at least 1.")
}

/// The id of a stored record.
pub fn id() -> Object {
    integer(1, i64::MAX.unsigned_abs(), "A record's id.")
}

/// The version of a record, as read.
pub fn version() -> Object {
    integer(
        1,
        i32::MAX.unsigned_abs().into(),
        "The version read; a stale one answers 409 with the current one.",
    )
}

/// A page size.
pub fn limit() -> Object {
    integer(
        1,
        MAX_LIMIT,
        "How many items to return: 1 to 100, 20 when absent.",
    )
}

/// A match score or one of its components.
pub fn score() -> Object {
    ObjectBuilder::new()
        .schema_type(Type::Number)
        .minimum(Some(0))
        .maximum(Some(1))
        .description(Some("From 0 to 1."))
        .build()
}

/// A score that may be absent.
pub fn nullable_score() -> Object {
    let mut schema = score();
    schema.schema_type = SchemaType::Array(vec![Type::Number, Type::Null]);
    schema
}

/// A cursor that is a record's id.
pub fn id_cursor() -> Object {
    string(
        crate::routes::pagination::ID_CURSOR_PATTERN,
        None,
        "The `next_cursor` of the previous page.",
    )
}

/// A cursor that is a region code.
pub fn region_cursor() -> Object {
    string(
        region::REGION_CODE_PATTERN,
        None,
        "The `next_cursor` of the previous page.",
    )
}

/// A cursor that is a category code.
pub fn category_cursor() -> Object {
    string(
        category::CATEGORY_CODE_PATTERN,
        None,
        "The `next_cursor` of the previous page.",
    )
}

/// The `Idempotency-Key` header.
pub fn idempotency_key() -> Object {
    string(
        crate::middleware::idempotency::IDEMPOTENCY_KEY_PATTERN,
        None,
        "1 to 255 visible ASCII characters, such as a UUID. A retry with the same key and body \
         within 24 hours gets the first answer again, marked `Idempotent-Replayed: true`.",
    )
}

fn one_of_words(words: &[&str], description: &str) -> Object {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .enum_values(Some(words.iter().copied()))
        .description(Some(description))
        .build()
}

/// The kind of an organisation.
pub fn organization_kind() -> Object {
    one_of_words(
        &[
            OrganizationKind::Lead.as_str(),
            OrganizationKind::Sme.as_str(),
        ],
        "`lead` (a lead enterprise that sources) or `sme` (a supplier).",
    )
}

/// The role of an administrator.
pub fn administrator_role() -> Object {
    one_of_words(
        &[Role::ParkAdmin.as_str(), Role::PlatformAdmin.as_str()],
        "`park_admin` (needs `park_id`) or `platform_admin`.",
    )
}

/// The id of a stored record, or `null`.
pub fn nullable_id() -> Object {
    let mut schema = id();
    schema.schema_type = SchemaType::Array(vec![Type::Integer, Type::Null]);
    schema
}

/// The processes of one capability.
pub fn processes() -> Array {
    ArrayBuilder::new()
        .items(process())
        .max_items(Some(supplier::MAX_PROCESSES))
        .description(Some(format!(
            "At most {} processes the supplier runs for this category.",
            supplier::MAX_PROCESSES
        )))
        .build()
}

/// A supplier's whole list of capabilities.
pub fn capability_list() -> Array {
    ArrayBuilder::new()
        .items(<crate::routes::suppliers::CapabilityInput as utoipa::PartialSchema>::schema())
        .max_items(Some(supplier::MAX_CAPABILITIES))
        .description(Some(format!(
            "At most {} capabilities, each category once; an empty list clears them.",
            supplier::MAX_CAPABILITIES
        )))
        .build()
}

/// A need's title.
pub fn need_title() -> Object {
    visible_text(text::NEED_TITLE, "What is sought, in a line.")
}

/// A need's specification.
pub fn specification() -> Object {
    visible_text(
        text::SPECIFICATION,
        "Material, drawings, tolerances, packaging; lines separated by `\\n`.",
    )
}

/// Why something was done.
pub fn reason() -> Object {
    visible_text(text::REASON, "Why; the parties concerned read it.")
}

/// A quantity or an amount of money in fen.
pub fn amount() -> Object {
    integer(1, need::MAX_AMOUNT, "A whole number from 1.")
}

/// Who may see a need.
pub fn visibility() -> Object {
    let names: Vec<&str> = Visibility::ALL.iter().map(Visibility::as_str).collect();
    one_of_words(
        &names,
        "`public` (every supplier), `province` (suppliers in the home province) or `invited` \
         (only `invited_supplier_ids`).",
    )
}

/// The certifications a need requires.
pub fn required_certifications() -> Array {
    ArrayBuilder::new()
        .items(certification_kind())
        .max_items(Some(need::MAX_REQUIRED_CERTIFICATIONS))
        .unique_items(true)
        .description(Some(format!(
            "Kinds a supplier must hold valid through the deadline; at most {}, each once.",
            need::MAX_REQUIRED_CERTIFICATIONS
        )))
        .build()
}

/// The suppliers invited to an `invited` need.
pub fn invited_suppliers() -> Array {
    ArrayBuilder::new()
        .items(id())
        .max_items(Some(need::MAX_INVITED))
        .unique_items(true)
        .description(Some(format!(
            "The SMEs invited, when `visibility` is `invited` (then at least one); at most {}.",
            need::MAX_INVITED
        )))
        .build()
}

/// A moment, RFC 3339.
pub fn timestamp() -> Object {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .format(Some(utoipa::openapi::SchemaFormat::KnownFormat(
            utoipa::openapi::KnownFormat::DateTime,
        )))
        .description(Some("An RFC 3339 timestamp, such as 2026-12-31T16:00:00Z."))
        .build()
}

/// Days from order to delivery.
pub fn lead_time_days() -> Object {
    integer(
        1,
        peitao_domain::quote::MAX_LEAD_TIME_DAYS.into(),
        "Days from order to delivery.",
    )
}

/// A note on a quote.
pub fn quote_note() -> Object {
    visible_text(
        peitao_domain::quote::QUOTE_NOTE,
        "Anything the buyer should know.",
    )
}

/// A note on a rejection.
pub fn rejection_note() -> Object {
    visible_text(
        peitao_domain::quote::REJECTION_NOTE,
        "What the supplier should know; required for `other`.",
    )
}

/// Why a quote is rejected.
pub fn reject_reason() -> Object {
    let names: Vec<&str> = peitao_domain::RejectReason::ALL
        .iter()
        .map(|reason| reason.as_str())
        .collect();
    one_of_words(&names, "Why the quote is rejected.")
}

/// A quality rating.
pub fn quality_rating() -> Object {
    integer(
        peitao_domain::deal::MIN_QUALITY_RATING.into(),
        peitao_domain::deal::MAX_QUALITY_RATING.into(),
        "1 (poor) to 5 (excellent).",
    )
}

/// A credential tier: its code or a Chinese name.
pub fn credential_tier() -> Object {
    let mut names: Vec<&str> = CredentialTier::ALL
        .iter()
        .map(|tier| tier.as_str())
        .collect();
    names.extend(CredentialTier::chinese_names());
    one_of_words(
        &names,
        "The tier's code (`innovative_sme`, `high_tech`, `specialised_sme`, `little_giant`, \
         `single_champion`) or its Chinese name. Hubei's provincial title before 2023, \
         湖北省专精特新“小巨人”, is the provincial tier `specialised_sme`, not the national little \
         giant. Quotation marks of any style and a closing 企业 are also accepted.",
    )
}

/// Who awarded a credential.
pub fn issuing_body() -> Object {
    visible_text(
        credential::ISSUING_BODY,
        "Who awarded it, such as 湖北省经济和信息化厅.",
    )
}

/// A credential's batch or year.
pub fn credential_batch() -> Object {
    visible_text(
        credential::CREDENTIAL_BATCH,
        "The batch or year, such as 2024年第二批.",
    )
}

/// A credential's certificate number.
pub fn credential_number() -> Object {
    visible_text(
        credential::CREDENTIAL_NUMBER,
        "The number on the certificate or in the published list.",
    )
}

/// A rate from 0 to 1 that is absent when there is nothing to divide by.
pub fn optional_score() -> Object {
    let mut schema = nullable_score();
    schema.description = Some("From 0 to 1; null when nothing was sourced.".into());
    schema
}

/// A difference of two rates, from -1 to 1, absent when either rate is.
pub fn optional_signed_fraction() -> Object {
    ObjectBuilder::new()
        .schema_type(SchemaType::Array(vec![Type::Number, Type::Null]))
        .minimum(Some(-1))
        .maximum(Some(1))
        .description(Some(
            "From -1 to 1 (rate points as a fraction); null when a rate is.",
        ))
        .build()
}

/// A webhook endpoint's URL.
pub fn webhook_url() -> Object {
    let mut schema = string(
        peitao_domain::webhook::WEBHOOK_URL_PATTERN,
        Some(peitao_domain::webhook::MAX_URL_LEN),
        "Where deliveries are POSTed: an `http` or `https` URL with a host (a name, an IPv4 \
         address or an IPv6 one in brackets), an optional port, a path and query; no user \
         information, no fragment. The host must be, and resolve within 2 seconds to, public \
         internet addresses only: a host that does not resolve, or that is or resolves to a \
         loopback, private, link-local or otherwise internal address, answers 422 \
         `webhook_target_refused` (unless the server allows private targets).",
    );
    schema.format = Some(utoipa::openapi::SchemaFormat::Custom("uri".to_owned()));
    schema
}

/// The event types a webhook endpoint subscribes to.
pub fn event_types() -> Array {
    let names: Vec<&str> = peitao_domain::EventKind::ALL
        .iter()
        .map(|kind| kind.as_str())
        .collect();
    ArrayBuilder::new()
        .items(one_of_words(&names, "An event type."))
        .min_items(Some(1))
        .max_items(Some(peitao_domain::webhook::MAX_EVENT_TYPES))
        .unique_items(true)
        .description(Some(
            "The event types delivered to the endpoint: at least one, each once (see the API \
             guide for each type's payload).",
        ))
        .build()
}

/// A bill of materials' name.
pub fn bom_name() -> Object {
    visible_text(text::BOM_NAME, "What to call the bill of materials.")
}

/// Category codes separated by commas, at most 50.
pub fn category_code_list() -> Object {
    string(
        "^[A-Za-z0-9._-]{1,64}(,[A-Za-z0-9._-]{1,64}){0,49}$",
        None,
        "Category codes separated by commas (no spaces), at most 50, such as chem,auto.powertrain.nev.battery_pack.",
    )
}

/// Where a webhook delivery stands.
pub fn delivery_status() -> Object {
    let names: Vec<&str> = peitao_domain::DeliveryStatus::ALL
        .iter()
        .map(|status| status.as_str())
        .collect();
    one_of_words(
        &names,
        "`pending` (due at `next_attempt_at`), `delivered` (a 2xx answer) or `failed` (every \
         attempt of the schedule failed).",
    )
}
