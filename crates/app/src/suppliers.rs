//! Supplier profiles and the supplier directory. The capabilities an SME declares are checked by
//! one set of rules whether they arrive through the API or in an imported file. Each capability is
//! built by the domain's `Capability::new` (capacity, unit, processes); the rules about the list as
//! a whole — how many, each category once, each category known — live here. The directory is what
//! lead enterprises and administrators search; who sees which suppliers is decided here.

use std::collections::HashSet;

use peitao_domain::{
    Capability, CategoryCode, CertificationKind, OrganizationId, RegionCode, Role,
    supplier::MAX_CAPABILITIES,
};
use peitao_matching::TaxonomyTree;
use peitao_store::{DirectoryEntry, DirectoryFilter, Page, PageRequest, Store};
use time::Date;

use crate::{AppError, needs::Actor};

/// What is wrong with a list of capabilities.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CapabilityProblem {
    /// The 0-based position of the capability at fault; `None` when the list as a whole is.
    pub index: Option<usize>,
    pub message: String,
}

/// Checks a supplier's whole list: at most [`MAX_CAPABILITIES`], no category twice, every
/// category known to `category_exists`. Names the first problem.
pub fn check_capability_list(
    capabilities: &[Capability],
    category_exists: impl Fn(&CategoryCode) -> bool,
) -> Result<(), CapabilityProblem> {
    if capabilities.len() > MAX_CAPABILITIES {
        return Err(CapabilityProblem {
            index: None,
            message: format!(
                "at most {MAX_CAPABILITIES} capabilities, not {}",
                capabilities.len()
            ),
        });
    }
    let mut seen = HashSet::with_capacity(capabilities.len());
    for (index, capability) in capabilities.iter().enumerate() {
        let code = capability.category_code();
        let message = if !seen.insert(code) {
            format!("category `{code}` is listed twice")
        } else if !category_exists(code) {
            format!("category `{code}` does not exist")
        } else {
            continue;
        };
        return Err(CapabilityProblem {
            index: Some(index),
            message,
        });
    }
    Ok(())
}

/// Replaces an SME's capabilities with `capabilities` (an empty list clears them), after the list
/// rules; a problem names the capability as `capabilities[index]`.
pub async fn replace_capabilities(
    store: &Store,
    organization: OrganizationId,
    capabilities: &[Capability],
) -> Result<(), AppError> {
    let codes: Vec<CategoryCode> = capabilities
        .iter()
        .map(|capability| capability.category_code().clone())
        .collect();
    let known: HashSet<CategoryCode> = if capabilities.len() > MAX_CAPABILITIES {
        HashSet::new()
    } else {
        store
            .categories_by_codes(&codes)
            .await?
            .into_iter()
            .map(|category| category.code)
            .collect()
    };
    check_capability_list(capabilities, |code| known.contains(code)).map_err(|problem| {
        AppError::Invalid(match problem.index {
            Some(index) => format!("capabilities[{index}]: {}", problem.message),
            None => problem.message,
        })
    })?;
    store
        .replace_capabilities(organization, capabilities)
        .await?;
    Ok(())
}

/// What the directory is searched by, as sent.
#[derive(Debug, Clone, Default)]
pub struct DirectoryQuery {
    /// This category and those under it.
    pub category: Option<CategoryCode>,
    /// A province, prefecture or county.
    pub region: Option<RegionCode>,
    /// A kind of certificate held valid on `today`.
    pub certification: Option<CertificationKind>,
    pub verified: Option<bool>,
    /// Text in the supplier's name.
    pub text: Option<String>,
}

/// The supplier directory: SMEs by id, for lead enterprises and platform administrators (every
/// SME) and park administrators (their park's). SMEs may not browse their competitors (403).
pub async fn directory(
    store: &Store,
    actor: &Actor,
    query: &DirectoryQuery,
    page: &PageRequest,
    today: Date,
) -> Result<Page<DirectoryEntry>, AppError> {
    let park = match actor.role {
        Role::Lead | Role::PlatformAdmin => None,
        Role::ParkAdmin => match actor.park {
            Some(park) => Some(park),
            None => return Ok(Page::empty()),
        },
        Role::Sme => {
            return Err(AppError::Forbidden(
                "the supplier directory is for lead enterprises and administrators".into(),
            ));
        }
    };
    let categories = match &query.category {
        Some(code) => {
            let mut tree = TaxonomyTree::new();
            for (code, parent) in store.category_parents().await? {
                tree.insert(code, parent);
            }
            Some(tree.with_descendants(code))
        }
        None => None,
    };
    Ok(store
        .supplier_directory(
            &DirectoryFilter {
                park,
                categories,
                region: query.region,
                certification: query.certification.clone().map(|kind| (kind, today)),
                verified: query.verified,
                text: query.text.clone(),
            },
            page,
        )
        .await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn capability(code: &str) -> Capability {
        Capability::new(CategoryCode::parse(code).unwrap(), 1, "pcs", Vec::new()).unwrap()
    }

    #[test]
    fn a_category_listed_twice_is_named_at_its_second_place() {
        let list = [capability("a"), capability("b"), capability("a")];
        let problem = check_capability_list(&list, |_| true).unwrap_err();
        assert_eq!(problem.index, Some(2));
        assert_eq!(problem.message, "category `a` is listed twice");
    }

    #[test]
    fn an_unknown_category_is_named() {
        let list = [capability("a"), capability("zz")];
        let problem = check_capability_list(&list, |code| code.as_str() == "a").unwrap_err();
        assert_eq!(problem.index, Some(1));
        assert_eq!(problem.message, "category `zz` does not exist");
    }

    #[test]
    fn a_list_longer_than_the_limit_is_refused_whole() {
        let list: Vec<Capability> = (0..=MAX_CAPABILITIES)
            .map(|n| capability(&format!("c{n}")))
            .collect();
        let problem = check_capability_list(&list, |_| true).unwrap_err();
        assert_eq!(problem.index, None);
        assert!(problem.message.starts_with("at most 200"), "{problem:?}");
    }
}
