//! Statistics for park administrators, platform administrators and lead enterprises: the
//! in-province supporting rate, the pairing funnel, the gap list and chain coverage. The store
//! sums; the domain's [`Sourcing`] applies the baseline rule; this module scopes, groups and names.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use peitao_domain::{
    CategoryCode, ChainId, NeedId, OrganizationId, Period, RateTotals, RegionCode, Role,
    Visibility, supporting::BEIJING,
};
use peitao_matching::{NeedFacts, RankOptions, SupplierMatch};
use peitao_store::{FunnelFigures, LeadInfo, StatsScope, Store};
use time::{Date, Duration, OffsetDateTime};

use crate::{AppError, matching::MatchingEngine, needs::Actor};

/// Whose figures the actor may see: SMEs none.
pub fn scope_of(actor: &Actor) -> Result<StatsScope, AppError> {
    match (actor.role, actor.organization, actor.park) {
        (Role::PlatformAdmin, ..) => Ok(StatsScope::Everything),
        (Role::ParkAdmin, _, Some(park)) => Ok(StatsScope::Park(park)),
        (Role::Lead, Some(lead), _) => Ok(StatsScope::Lead(lead)),
        (Role::Sme, ..) => Err(AppError::Forbidden(
            "statistics are for lead enterprises and administrators".into(),
        )),
        _ => Err(AppError::Forbidden(
            "this account belongs to no park or organisation, so it has no figures".into(),
        )),
    }
}

/// Today in Beijing.
pub fn today() -> Date {
    OffsetDateTime::now_utc().to_offset(BEIJING).date()
}

/// The period asked for: `from` and `to` (both included), or the last twelve months up to today.
pub fn period(from: Option<Date>, to: Option<Date>) -> Result<Period, AppError> {
    let default = Period::last_twelve_months(today());
    let last = to.unwrap_or(default.last());
    let first = match (from, to) {
        (Some(first), _) => first,
        (None, None) => default.first(),
        (None, Some(last)) => Period::last_twelve_months(last).first(),
    };
    Ok(Period::new(first, last)?)
}

/// What the supporting rate is grouped by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GroupBy {
    Lead,
    Park,
    County,
    Prefecture,
    Chain,
    Month,
}

impl GroupBy {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Lead => "lead",
            Self::Park => "park",
            Self::County => "county",
            Self::Prefecture => "prefecture",
            Self::Chain => "chain",
            Self::Month => "month",
        }
    }
}

/// One group's figures.
#[derive(Debug, Clone, PartialEq)]
pub struct RateGroup {
    /// The lead, park or chain id, the region code or `YYYY-MM`; `none` for leads in no park
    /// and categories in no chain.
    pub key: String,
    pub label: String,
    pub totals: RateTotals,
}

/// The supporting rate of a scope over a period.
#[derive(Debug, Clone, PartialEq)]
pub struct RateReport {
    pub period: Period,
    pub group_by: Option<GroupBy>,
    pub excluded: Vec<CategoryCode>,
    pub total: RateTotals,
    pub groups: Vec<RateGroup>,
    /// How many lead enterprises the scope holds.
    pub lead_enterprises: usize,
}

/// The categories `codes` name, with every category below them; an unknown code is refused.
async fn with_descendants(
    store: &Store,
    codes: &[CategoryCode],
) -> Result<BTreeSet<CategoryCode>, AppError> {
    if codes.is_empty() {
        return Ok(BTreeSet::new());
    }
    let parents = store.category_parents().await?;
    let mut children: HashMap<CategoryCode, Vec<CategoryCode>> = HashMap::new();
    let known: BTreeSet<&CategoryCode> = parents.iter().map(|(code, _)| code).collect();
    for (code, parent) in &parents {
        if let Some(parent) = parent {
            children
                .entry(parent.clone())
                .or_default()
                .push(code.clone());
        }
    }
    let mut found = BTreeSet::new();
    for code in codes {
        if !known.contains(code) {
            return Err(AppError::Invalid(format!("exclude: no category `{code}`")));
        }
        let mut stack = vec![code.clone()];
        while let Some(code) = stack.pop() {
            if let Some(below) = children.get(&code) {
                stack.extend(below.iter().cloned());
            }
            found.insert(code);
        }
    }
    Ok(found)
}

/// The prefecture-level unit of a county: its first four digits, or itself for a county-level
/// unit directly under the province (`xx90xx`), as the matching engine counts them.
fn prefecture_of(county: &RegionCode) -> String {
    let code = county.as_str();
    if &code[2..4] == "90" {
        code.to_owned()
    } else {
        format!("{}00", &code[..4])
    }
}

/// Each category's chains: those with a link touching the category or one of its ancestors.
async fn chains_of_categories(
    store: &Store,
) -> Result<
    (
        HashMap<CategoryCode, Vec<ChainId>>,
        HashMap<ChainId, String>,
    ),
    AppError,
> {
    let mut nodes: HashMap<CategoryCode, BTreeSet<ChainId>> = HashMap::new();
    for (chain, link) in store.all_chain_links().await? {
        nodes.entry(link.upstream).or_default().insert(chain);
        nodes.entry(link.downstream).or_default().insert(chain);
    }
    let parents: HashMap<CategoryCode, Option<CategoryCode>> =
        store.category_parents().await?.into_iter().collect();
    let mut of = HashMap::new();
    for code in parents.keys() {
        let mut chains = BTreeSet::new();
        let mut at = Some(code.clone());
        let mut steps = 0;
        while let Some(current) = at {
            if let Some(found) = nodes.get(&current) {
                chains.extend(found.iter().copied());
            }
            at = parents.get(&current).cloned().flatten();
            steps += 1;
            if steps > 64 {
                break;
            }
        }
        of.insert(code.clone(), chains.into_iter().collect());
    }
    let names = store
        .list_chains()
        .await?
        .into_iter()
        .map(|chain| (chain.id, format!("{} {}", chain.name_zh, chain.name_en)))
        .collect();
    Ok((of, names))
}

/// The in-province supporting rate of the actor's scope over `period`, in total and by
/// `group_by`, leaving out the categories `exclude` names and everything below them.
pub async fn supporting_rate(
    store: &Store,
    actor: &Actor,
    period: Period,
    group_by: Option<GroupBy>,
    exclude: &[CategoryCode],
) -> Result<RateReport, AppError> {
    let scope = scope_of(actor)?;
    let excluded = with_descendants(store, exclude).await?;
    let chains = if group_by == Some(GroupBy::Chain) {
        Some(chains_of_categories(store).await?)
    } else {
        None
    };
    // The database applies the baseline rule to every (lead, category) and sums the cells per
    // lead (per category for chains, which group categories), side by side with the other reads.
    let mut groups: BTreeMap<String, RateTotals> = BTreeMap::new();
    let mut total = RateTotals::default();
    let leads: BTreeMap<OrganizationId, LeadInfo> = match group_by {
        Some(GroupBy::Chain) => {
            let (leads, by_category) = tokio::try_join!(
                store.stats_leads(scope),
                store.rate_totals_by_category(scope, period, &excluded),
            )?;
            let of = chains.as_ref().map(|(of, _)| of);
            for (category, totals) in &by_category {
                total.merge(totals);
                match of.and_then(|of| of.get(category)) {
                    Some(found) if !found.is_empty() => {
                        for chain in found {
                            groups.entry(chain.0.to_string()).or_default().merge(totals);
                        }
                    }
                    _ => groups.entry("none".to_owned()).or_default().merge(totals),
                }
            }
            leads.into_iter().map(|lead| (lead.id, lead)).collect()
        }
        Some(GroupBy::Month) => {
            let (leads, by_lead, by_month) = tokio::try_join!(
                store.stats_leads(scope),
                store.rate_totals_by_lead(scope, period, &excluded),
                store.monthly_rate_totals(scope, period, &excluded),
            )?;
            for (_, totals) in &by_lead {
                total.merge(totals);
            }
            // Months: the rule applied to each month on its own, the baseline prorated to it.
            for (month, totals) in period.months().iter().zip(by_month) {
                groups.insert(month.month_label(), totals);
            }
            leads.into_iter().map(|lead| (lead.id, lead)).collect()
        }
        _ => {
            let (leads, by_lead) = tokio::try_join!(
                store.stats_leads(scope),
                store.rate_totals_by_lead(scope, period, &excluded),
            )?;
            let leads: BTreeMap<OrganizationId, LeadInfo> =
                leads.into_iter().map(|lead| (lead.id, lead)).collect();
            for (lead, totals) in &by_lead {
                total.merge(totals);
                let info = leads.get(lead);
                let key = match group_by {
                    Some(GroupBy::Lead) => lead.0.to_string(),
                    Some(GroupBy::Park) => info
                        .and_then(|info| info.park)
                        .map_or_else(|| "none".to_owned(), |park| park.0.to_string()),
                    Some(GroupBy::County) => {
                        info.map_or_else(String::new, |info| info.region.to_string())
                    }
                    Some(GroupBy::Prefecture) => {
                        info.map_or_else(String::new, |info| prefecture_of(&info.region))
                    }
                    _ => continue,
                };
                groups.entry(key).or_default().merge(totals);
            }
            leads
        }
    };
    // Every lead in scope shows, with nothing sourced if so (every month already does: the store
    // answers for each).
    if group_by == Some(GroupBy::Lead) {
        for lead in leads.keys() {
            groups.entry(lead.0.to_string()).or_default();
        }
    }
    let labels = labels(
        store,
        group_by,
        &leads,
        chains.as_ref().map(|(_, names)| names),
    )
    .await?;
    let mut groups: Vec<RateGroup> = groups
        .into_iter()
        .map(|(key, totals)| RateGroup {
            label: labels.get(&key).cloned().unwrap_or_else(|| key.clone()),
            key,
            totals,
        })
        .collect();
    if group_by != Some(GroupBy::Month) {
        // Largest sourcing first, so the figures that matter lead the table.
        groups.sort_by(|a, b| {
            b.totals
                .current
                .total()
                .cmp(&a.totals.current.total())
                .then_with(|| a.key.cmp(&b.key))
        });
    }
    Ok(RateReport {
        period,
        group_by,
        excluded: exclude.to_vec(),
        total,
        groups,
        lead_enterprises: leads.len(),
    })
}

/// The names groups are shown with.
async fn labels(
    store: &Store,
    group_by: Option<GroupBy>,
    leads: &BTreeMap<OrganizationId, LeadInfo>,
    chains: Option<&HashMap<ChainId, String>>,
) -> Result<HashMap<String, String>, AppError> {
    let mut labels = HashMap::new();
    match group_by {
        Some(GroupBy::Lead) => {
            for lead in leads.values() {
                labels.insert(lead.id.0.to_string(), lead.name.clone());
            }
        }
        Some(GroupBy::Park) => {
            for park in store.all_parks().await? {
                labels.insert(park.id.0.to_string(), park.name_zh);
            }
            labels.insert("none".into(), "不在园区 not in a park".into());
        }
        Some(GroupBy::County | GroupBy::Prefecture) => {
            let mut codes: BTreeSet<String> = BTreeSet::new();
            for lead in leads.values() {
                codes.insert(lead.region.to_string());
                codes.insert(prefecture_of(&lead.region));
            }
            for code in codes {
                if let Ok(region) = RegionCode::parse(&code)
                    && let Ok(found) = store.region(&region).await
                {
                    labels.insert(code, found.name);
                }
            }
        }
        Some(GroupBy::Chain) => {
            if let Some(chains) = chains {
                for (id, name) in chains {
                    labels.insert(id.0.to_string(), name.clone());
                }
            }
            labels.insert("none".into(), "不属任何产业链 in no chain".into());
        }
        Some(GroupBy::Month) | None => {}
    }
    Ok(labels)
}

/// The funnel of the needs published in `period` by leads in the actor's scope.
pub async fn funnel(
    store: &Store,
    actor: &Actor,
    period: Period,
) -> Result<FunnelFigures, AppError> {
    let scope = scope_of(actor)?;
    Ok(store
        .funnel(scope, (period.starts_at(), period.ends_before()))
        .await?)
}

/// A scope's headline figures on one page.
#[derive(Debug, Clone, PartialEq)]
pub struct Overview {
    pub period: Period,
    pub supporting_rate: RateTotals,
    pub funnel: FunnelFigures,
    /// The supporting rate month by month over the period.
    pub trend: Vec<RateGroup>,
    pub lead_enterprises: usize,
}

pub async fn overview(store: &Store, actor: &Actor, period: Period) -> Result<Overview, AppError> {
    let (by_month, funnel) = tokio::try_join!(
        supporting_rate(store, actor, period, Some(GroupBy::Month), &[]),
        funnel(store, actor, period),
    )?;
    Ok(Overview {
        period,
        supporting_rate: by_month.total,
        funnel,
        trend: by_month.groups,
        lead_enterprises: by_month.lead_enterprises,
    })
}

/// In-province supply of one category: eligible suppliers able to make it or something below it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SupplyFigures {
    pub suppliers: i64,
    /// Declared annual capacity by unit (trimmed and lower-cased, as matching compares units).
    pub capacity: Vec<(String, i64)>,
}

/// The in-province supply of each of `codes`, from the matching engine's supplier records: the
/// same eligible set its rankings draw from (an SME with an enabled user, verified when
/// matching requires it, registered in the home province), brought up to date with the change
/// log first so that the figures are as fresh as the database.
async fn in_province_supply(
    store: &Store,
    engine: &MatchingEngine,
    codes: &[CategoryCode],
) -> Result<HashMap<CategoryCode, SupplyFigures>, AppError> {
    if codes.is_empty() {
        return Ok(HashMap::new());
    }
    engine.catch_up(store).await?;
    let found = engine.read(|index| index.in_province_supply(codes));
    let figure = |value: u64| i64::try_from(value).unwrap_or(i64::MAX);
    Ok(found
        .into_iter()
        .map(|(code, supply)| {
            (
                code,
                SupplyFigures {
                    suppliers: figure(supply.suppliers),
                    capacity: supply
                        .capacity
                        .into_iter()
                        .map(|(unit, annual)| (unit, figure(annual)))
                        .collect(),
                },
            )
        })
        .collect())
}

/// A category with demand and too few in-province suppliers: an investment-attraction target.
#[derive(Debug, Clone)]
pub struct Gap {
    pub category: CategoryCode,
    pub category_name: String,
    /// Open needs' remaining estimated value.
    pub open_demand_fen: i64,
    /// The baselines' annual value of the category, and the part sourced out of the province.
    pub baseline_demand_fen: i64,
    pub baseline_out_of_province_fen: i64,
    pub supply: SupplyFigures,
    /// The lead enterprises that need it, largest demand first.
    pub leads: Vec<(OrganizationId, String, i64)>,
    /// The best-placed out-of-province suppliers for the largest lead, nearest first.
    pub nearest_outside: Vec<(SupplierMatch, String)>,
}

impl Gap {
    /// What the list is ranked by: open demand plus baseline sourced outside the province.
    pub fn demand_fen(&self) -> i64 {
        self.open_demand_fen + self.baseline_out_of_province_fen
    }
}

/// How many out-of-province suppliers a gap names.
pub const NEAREST_OUTSIDE: usize = 5;

/// Categories the scope's leads need (open needs or baseline) with fewer than `fewer_than`
/// eligible in-province suppliers, largest demand first, at most `limit`.
pub async fn gaps(
    store: &Store,
    engine: &MatchingEngine,
    actor: &Actor,
    fewer_than: i64,
    limit: usize,
) -> Result<Vec<Gap>, AppError> {
    let scope = scope_of(actor)?;
    let mut demand: BTreeMap<CategoryCode, (i64, i64, i64, BTreeMap<OrganizationId, i64>)> =
        BTreeMap::new();
    for cell in store.demand_cells(scope).await? {
        let entry = demand.entry(cell.category).or_default();
        entry.0 += cell.open_value_fen;
        entry.1 += cell.baseline_value_fen;
        entry.2 += cell.baseline_out_of_province_fen;
        *entry.3.entry(cell.lead).or_default() +=
            cell.open_value_fen + cell.baseline_out_of_province_fen;
    }
    let categories: Vec<CategoryCode> = demand.keys().cloned().collect();
    let supply = in_province_supply(store, engine, &categories).await?;
    let mut gaps: Vec<(CategoryCode, i64)> = demand
        .iter()
        .filter(|(code, _)| supply.get(*code).map_or(0, |found| found.suppliers) < fewer_than)
        .map(|(code, (open, _, out, _))| (code.clone(), open + out))
        .filter(|(_, value)| *value > 0)
        .collect();
    gaps.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    gaps.truncate(limit);

    let names: HashMap<CategoryCode, String> = store
        .categories_by_codes(
            &gaps
                .iter()
                .map(|(code, _)| code.clone())
                .collect::<Vec<_>>(),
        )
        .await?
        .into_iter()
        .map(|category| {
            let name = format!("{} {}", category.name_zh, category.name_en);
            (category.code, name)
        })
        .collect();
    let lead_ids: Vec<OrganizationId> = gaps
        .iter()
        .flat_map(|(code, _)| demand[code].3.keys().copied())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let lead_labels = store.organization_labels(&lead_ids).await?;
    let deadline = (OffsetDateTime::now_utc() + Duration::days(30)).date();
    let options = RankOptions {
        limit: 20,
        min_score: None,
        in_province: Some(false),
    };
    let mut result = Vec::with_capacity(gaps.len());
    for (code, _) in gaps {
        let (open, baseline, out, by_lead) = &demand[&code];
        let mut leads: Vec<(OrganizationId, String, i64)> = by_lead
            .iter()
            .map(|(lead, value)| {
                let name = lead_labels
                    .get(lead)
                    .map_or_else(String::new, |(name, _)| name.clone());
                (*lead, name, *value)
            })
            .collect();
        leads.sort_by(|a, b| b.2.cmp(&a.2).then_with(|| a.0.cmp(&b.0)));
        let mut nearest = Vec::new();
        if let Some((lead, ..)) = leads.first()
            && let Some((_, county)) = lead_labels.get(lead)
        {
            let facts = NeedFacts {
                id: NeedId(0),
                lead: *lead,
                category: code.clone(),
                quantity: 0,
                unit: String::new(),
                required_certifications: Vec::new(),
                deadline,
                delivery_county: *county,
                visibility: Visibility::Public,
                invited: Vec::new(),
            };
            nearest = engine.read(|index| index.rank_suppliers(&facts, &options));
            nearest.sort_by(|a, b| {
                a.distance_km
                    .unwrap_or(f64::MAX)
                    .total_cmp(&b.distance_km.unwrap_or(f64::MAX))
                    .then_with(|| a.supplier.cmp(&b.supplier))
            });
            nearest.truncate(NEAREST_OUTSIDE);
        }
        result.push(Gap {
            category_name: names.get(&code).cloned().unwrap_or_default(),
            supply: supply.get(&code).cloned().unwrap_or_default(),
            open_demand_fen: *open,
            baseline_demand_fen: *baseline,
            baseline_out_of_province_fen: *out,
            leads,
            nearest_outside: nearest
                .into_iter()
                .map(|found| (found, String::new()))
                .collect(),
            category: code,
        });
    }
    // Every gap's out-of-province suppliers named in one read.
    let suppliers: Vec<OrganizationId> = result
        .iter()
        .flat_map(|gap| gap.nearest_outside.iter().map(|(found, _)| found.supplier))
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let supplier_labels = store.organization_labels(&suppliers).await?;
    for (found, name) in result
        .iter_mut()
        .flat_map(|gap| gap.nearest_outside.iter_mut())
    {
        if let Some((label, _)) = supplier_labels.get(&found.supplier) {
            name.clone_from(label);
        }
    }
    Ok(result)
}

/// Coverage of one chain node: in-province supply, and demand when the actor may see figures.
#[derive(Debug, Clone, Default)]
pub struct NodeCoverage {
    pub supply: SupplyFigures,
    /// `None` for SMEs, who see no demand figures.
    pub open_demand_fen: Option<i64>,
    pub baseline_demand_fen: Option<i64>,
}

/// In-province supply of each of `codes`, and the demand of the actor's scope.
pub async fn chain_coverage(
    store: &Store,
    engine: &MatchingEngine,
    actor: &Actor,
    codes: &[CategoryCode],
) -> Result<HashMap<CategoryCode, NodeCoverage>, AppError> {
    let supply = in_province_supply(store, engine, codes).await?;
    let demand: Option<HashMap<CategoryCode, (i64, i64)>> = match scope_of(actor) {
        Ok(scope) => {
            let mut demand: HashMap<CategoryCode, (i64, i64)> = HashMap::new();
            for cell in store.demand_cells(scope).await? {
                let entry = demand.entry(cell.category).or_default();
                entry.0 += cell.open_value_fen;
                entry.1 += cell.baseline_value_fen;
            }
            Some(demand)
        }
        Err(_) => None,
    };
    Ok(codes
        .iter()
        .map(|code| {
            let (open, baseline) = match &demand {
                Some(demand) => {
                    let (open, baseline) = demand.get(code).copied().unwrap_or_default();
                    (Some(open), Some(baseline))
                }
                None => (None, None),
            };
            (
                code.clone(),
                NodeCoverage {
                    supply: supply.get(code).cloned().unwrap_or_default(),
                    open_demand_fen: open,
                    baseline_demand_fen: baseline,
                },
            )
        })
        .collect())
}
