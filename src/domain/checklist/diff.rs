//! What changed from one checklist version to the next (`checklist diff`),
//! as the 审定会 reviews it: entries added, removed and changed, each change
//! with its old and new value.
//!
//! Entries are matched by code (inputs by key), then by meaning: an item
//! whose code changed but whose wording is the same, or close
//! ([`matching::SIMILAR`]), is one item renumbered or moved — not one
//! removed and one added. Codes and keys inside rules, tiers and vetoes are
//! translated through these matches before comparing, so a renumbered item
//! does not also show up as a changed tier requirement.

mod matching;
#[cfg(test)]
mod tests;

use std::collections::BTreeMap;

use super::super::number::{Decimal, Points};
use super::super::text::fold_label;
use super::{
    Assessor, Category, Checklist, Deduction, Grade, Group, Input, InputGroup, InputType, Item,
    ItemKind, Level, MinInput, Rule, Tier, Veto, VetoTrigger,
};

pub use matching::{Piece, SIMILAR, SIMILAR_SAME_CODE, similarity, wording_diff};

/// An old value and its new one.
#[derive(Clone, Debug, PartialEq)]
pub struct Pair<T> {
    pub old: T,
    pub new: T,
}

impl<T: PartialEq> Pair<T> {
    fn of(old: T, new: T) -> Option<Pair<T>> {
        (old != new).then_some(Pair { old, new })
    }
}

/// One entry (input, category, item …) across the two versions.
#[derive(Clone, Debug, PartialEq)]
pub enum Change<T, F> {
    Added(T),
    Removed(T),
    /// The same entry in both versions, and what differs (never empty).
    Changed {
        old: T,
        new: T,
        fields: Vec<F>,
    },
}

impl<T, F> Change<T, F> {
    /// The entry as the new version has it (the old one when removed).
    pub fn current(&self) -> &T {
        match self {
            Change::Added(t) | Change::Removed(t) | Change::Changed { new: t, .. } => t,
        }
    }
}

/// The top-level keys.
#[derive(Clone, Debug, PartialEq)]
pub enum BasicChange {
    Title(Pair<String>),
    UnitKinds(Pair<Vec<String>>),
    Total(Pair<Points>),
    Decimals(Pair<u8>),
    RectifyDays(Pair<u32>),
    BonusMax(Pair<Points>),
    CapTotal(Pair<bool>),
}

#[derive(Clone, Debug, PartialEq)]
pub enum InputField {
    /// Matched by its label under another key.
    Key(Pair<String>),
    Label(Pair<String>),
    Type(Pair<InputType>),
    Unit(Pair<Option<String>>),
    Group(Pair<InputGroup>),
    Options(Pair<Vec<String>>),
    Note(Pair<Option<String>>),
}

#[derive(Clone, Debug, PartialEq)]
pub enum CategoryField {
    /// Matched by its name under another code.
    Code(Pair<String>),
    Name(Pair<String>),
    Weight(Pair<Option<Decimal>>),
    /// The most the category can earn (its items' and groups' maxima).
    Max(Pair<Points>),
}

#[derive(Clone, Debug, PartialEq)]
pub enum GroupField {
    Code(Pair<String>),
    Title(Pair<String>),
    /// Category codes, the old one as the new version calls it.
    Category(Pair<String>),
    /// The cap written on the group.
    Cap(Pair<Option<Points>>),
}

#[derive(Clone, Debug, PartialEq)]
pub enum ItemField {
    /// Renumbered: matched by its wording under another code.
    Code(Pair<String>),
    /// Re-worded.
    Title(Pair<String>),
    /// Moved to another category (codes as the new version calls them).
    Category(Pair<String>),
    Group(Pair<Option<String>>),
    /// Re-weighted.
    Max(Pair<Points>),
    Kind(Pair<ItemKind>),
    /// Another kind of rule altogether.
    Rule(Pair<Rule>),
    Step(Pair<Points>),
    /// The inputs the rule reads (old keys as the new version calls them).
    Inputs(Pair<Vec<String>>),
    Bands(Pair<Vec<(Decimal, Points)>>),
    Each(Pair<Points>),
    FullAt(Pair<Decimal>),
    DeductionAdded(Deduction),
    DeductionRemoved(Deduction),
    DeductionChanged(Pair<Deduction>),
    Levels(Pair<Vec<Level>>),
    ChoicePoints(Pair<Vec<(String, Points)>>),
    Formula(Pair<String>),
    Optional(Pair<bool>),
    AssessedBy(Pair<Assessor>),
    Requirement(Pair<Option<String>>),
    Evidence(Pair<Option<String>>),
}

#[derive(Clone, Debug, PartialEq)]
pub enum VetoField {
    /// The input key or the condition as written.
    Trigger(Pair<String>),
    Reason(Pair<String>),
}

#[derive(Clone, Debug, PartialEq)]
pub enum TierField {
    Code(Pair<String>),
    Name(Pair<String>),
    MinTotal(Pair<Points>),
    /// Items that must earn full marks: new codes now required, old codes
    /// no longer required.
    RequiredItems {
        added: Vec<String>,
        removed: Vec<String>,
    },
    /// In tenths of a percent, as [`Tier::category_floor`].
    CategoryFloor(Pair<Option<i32>>),
    /// A minimum on one input (key as the new version calls it).
    MinInput {
        key: String,
        old: Option<MinInput>,
        new: Option<MinInput>,
    },
    Requires(Pair<Option<String>>),
}

#[derive(Clone, Debug, PartialEq)]
pub enum GradeField {
    MinTotal(Pair<Points>),
    Requires(Pair<Option<String>>),
}

pub type InputChange = Change<Input, InputField>;
pub type CategoryChange = Change<Category, CategoryField>;
pub type GroupChange = Change<Group, GroupField>;
pub type ItemChange = Change<Item, ItemField>;
pub type VetoChange = Change<Veto, VetoField>;
pub type TierChange = Change<Tier, TierField>;
pub type GradeChange = Change<Grade, GradeField>;

/// Everything that changed, section by section; unchanged entries are left
/// out.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ChecklistDiff {
    pub basics: Vec<BasicChange>,
    pub inputs: Vec<InputChange>,
    pub categories: Vec<CategoryChange>,
    pub groups: Vec<GroupChange>,
    pub items: Vec<ItemChange>,
    pub vetoes: Vec<VetoChange>,
    pub tiers: Vec<TierChange>,
    pub grades: Vec<GradeChange>,
}

impl ChecklistDiff {
    pub fn is_empty(&self) -> bool {
        self.basics.is_empty()
            && self.inputs.is_empty()
            && self.categories.is_empty()
            && self.groups.is_empty()
            && self.items.is_empty()
            && self.vetoes.is_empty()
            && self.tiers.is_empty()
            && self.grades.is_empty()
    }
}

/// Old code or key → the new version's, for the entries matched.
#[derive(Default)]
struct Renames {
    inputs: BTreeMap<String, String>,
    categories: BTreeMap<String, String>,
    groups: BTreeMap<String, String>,
    items: BTreeMap<String, String>,
}

fn rename(map: &BTreeMap<String, String>, code: &str) -> String {
    map.get(code).cloned().unwrap_or_else(|| code.to_string())
}

/// What changed from `old` to `new`.
pub fn diff(old: &Checklist, new: &Checklist) -> ChecklistDiff {
    let mut renames = Renames::default();
    let inputs = matching::by_keys(
        &old.inputs,
        &new.inputs,
        &[&|i: &Input| i.key.clone(), &|i: &Input| {
            fold_label(&i.label)
        }],
    );
    renames.inputs = renamed(&inputs, &old.inputs, &new.inputs, |i| &i.key);
    let categories = matching::by_keys(
        &old.categories,
        &new.categories,
        &[&|c: &Category| c.code.clone(), &|c: &Category| {
            fold_label(&c.name)
        }],
    );
    renames.categories = renamed(&categories, &old.categories, &new.categories, |c| &c.code);
    let groups = matching::by_keys(
        &old.groups,
        &new.groups,
        &[&|g: &Group| g.code.clone(), &|g: &Group| {
            fold_label(&g.title)
        }],
    );
    renames.groups = renamed(&groups, &old.groups, &new.groups, |g| &g.code);
    let items = match_items(&old.items, &new.items);
    renames.items = renamed(&items, &old.items, &new.items, |i| &i.code);

    ChecklistDiff {
        basics: basics(old, new),
        inputs: changes(&inputs, &old.inputs, &new.inputs, input_fields),
        categories: changes(&categories, &old.categories, &new.categories, |o, n| {
            category_fields(o, n, old, new)
        }),
        groups: changes(&groups, &old.groups, &new.groups, |o, n| {
            group_fields(o, n, &renames)
        }),
        items: changes(&items, &old.items, &new.items, |o, n| {
            item_fields(o, n, &renames)
        }),
        vetoes: vetoes(old, new, &renames),
        tiers: tiers(old, new, &renames),
        grades: grades(old, new),
    }
}

fn match_items(old: &[Item], new: &[Item]) -> Vec<matching::Pairing> {
    let key = |items: &[Item]| -> Vec<(String, String)> {
        items
            .iter()
            .map(|i| (i.code.clone(), i.title.clone()))
            .collect()
    };
    matching::by_wording(&key(old), &key(new))
}

fn renamed<T>(
    pairs: &[matching::Pairing],
    old: &[T],
    new: &[T],
    code: impl Fn(&T) -> &String,
) -> BTreeMap<String, String> {
    pairs
        .iter()
        .filter_map(|p| match p {
            (Some(i), Some(j)) => Some((code(&old[*i]).clone(), code(&new[*j]).clone())),
            _ => None,
        })
        .collect()
}

fn changes<T: Clone, F>(
    pairs: &[matching::Pairing],
    old: &[T],
    new: &[T],
    fields: impl Fn(&T, &T) -> Vec<F>,
) -> Vec<Change<T, F>> {
    pairs
        .iter()
        .filter_map(|p| match *p {
            (Some(i), Some(j)) => {
                let f = fields(&old[i], &new[j]);
                (!f.is_empty()).then(|| Change::Changed {
                    old: old[i].clone(),
                    new: new[j].clone(),
                    fields: f,
                })
            }
            (None, Some(j)) => Some(Change::Added(new[j].clone())),
            (Some(i), None) => Some(Change::Removed(old[i].clone())),
            (None, None) => None,
        })
        .collect()
}

fn basics(old: &Checklist, new: &Checklist) -> Vec<BasicChange> {
    [
        Pair::of(old.title.clone(), new.title.clone()).map(BasicChange::Title),
        Pair::of(old.unit_kinds.clone(), new.unit_kinds.clone()).map(BasicChange::UnitKinds),
        Pair::of(old.total, new.total).map(BasicChange::Total),
        Pair::of(old.decimals, new.decimals).map(BasicChange::Decimals),
        Pair::of(old.rectify_days, new.rectify_days).map(BasicChange::RectifyDays),
        Pair::of(old.bonus_max, new.bonus_max).map(BasicChange::BonusMax),
        Pair::of(old.cap_total, new.cap_total).map(BasicChange::CapTotal),
    ]
    .into_iter()
    .flatten()
    .collect()
}

fn input_fields(old: &Input, new: &Input) -> Vec<InputField> {
    [
        Pair::of(old.key.clone(), new.key.clone()).map(InputField::Key),
        Pair::of(old.label.clone(), new.label.clone()).map(InputField::Label),
        Pair::of(old.kind, new.kind).map(InputField::Type),
        Pair::of(old.unit.clone(), new.unit.clone()).map(InputField::Unit),
        Pair::of(old.group, new.group).map(InputField::Group),
        Pair::of(old.options.clone(), new.options.clone()).map(InputField::Options),
        Pair::of(old.note.clone(), new.note.clone()).map(InputField::Note),
    ]
    .into_iter()
    .flatten()
    .collect()
}

fn category_fields(
    old: &Category,
    new: &Category,
    old_list: &Checklist,
    new_list: &Checklist,
) -> Vec<CategoryField> {
    [
        Pair::of(old.code.clone(), new.code.clone()).map(CategoryField::Code),
        Pair::of(old.name.clone(), new.name.clone()).map(CategoryField::Name),
        Pair::of(old.weight, new.weight).map(CategoryField::Weight),
        Pair::of(
            old_list.category_max(&old.code),
            new_list.category_max(&new.code),
        )
        .map(CategoryField::Max),
    ]
    .into_iter()
    .flatten()
    .collect()
}

fn group_fields(old: &Group, new: &Group, renames: &Renames) -> Vec<GroupField> {
    [
        Pair::of(old.code.clone(), new.code.clone()).map(GroupField::Code),
        Pair::of(old.title.clone(), new.title.clone()).map(GroupField::Title),
        Pair::of(
            rename(&renames.categories, &old.category),
            new.category.clone(),
        )
        .map(GroupField::Category),
        Pair::of(old.max, new.max).map(GroupField::Cap),
    ]
    .into_iter()
    .flatten()
    .collect()
}

fn item_fields(old: &Item, new: &Item, renames: &Renames) -> Vec<ItemField> {
    let mut fields: Vec<ItemField> = [
        Pair::of(old.code.clone(), new.code.clone()).map(ItemField::Code),
        Pair::of(old.title.clone(), new.title.clone()).map(ItemField::Title),
        Pair::of(
            rename(&renames.categories, &old.category),
            new.category.clone(),
        )
        .map(ItemField::Category),
        Pair::of(
            old.group.as_deref().map(|g| rename(&renames.groups, g)),
            new.group.clone(),
        )
        .map(ItemField::Group),
        Pair::of(old.max, new.max).map(ItemField::Max),
        Pair::of(old.kind, new.kind).map(ItemField::Kind),
    ]
    .into_iter()
    .flatten()
    .collect();
    fields.extend(rule_fields(&old.rule, &new.rule, renames));
    fields.extend(
        [
            Pair::of(old.optional, new.optional).map(ItemField::Optional),
            Pair::of(old.assessed_by, new.assessed_by).map(ItemField::AssessedBy),
            Pair::of(old.requirement.clone(), new.requirement.clone()).map(ItemField::Requirement),
            Pair::of(old.evidence.clone(), new.evidence.clone()).map(ItemField::Evidence),
        ]
        .into_iter()
        .flatten(),
    );
    fields
}

/// A rule of the same kind: its parameters one by one; another kind: the
/// whole rule.
fn rule_fields(old: &Rule, new: &Rule, renames: &Renames) -> Vec<ItemField> {
    if old.kind() != new.kind() {
        return vec![ItemField::Rule(Pair {
            old: old.clone(),
            new: new.clone(),
        })];
    }
    let old_inputs: Vec<String> = old
        .inputs()
        .iter()
        .map(|k| rename(&renames.inputs, k))
        .collect();
    let mut fields: Vec<ItemField> = Pair::of(old_inputs, new.inputs())
        .map(ItemField::Inputs)
        .into_iter()
        .collect();
    let param = match (old, new) {
        (Rule::SelfScored { step: a }, Rule::SelfScored { step: b }) => {
            Pair::of(*a, *b).map(ItemField::Step)
        }
        (Rule::Bands { bands: a, .. }, Rule::Bands { bands: b, .. }) => {
            Pair::of(a.clone(), b.clone()).map(ItemField::Bands)
        }
        (Rule::Each { each: a, .. }, Rule::Each { each: b, .. }) => {
            Pair::of(*a, *b).map(ItemField::Each)
        }
        (
            Rule::Linear {
                full_at: a,
                step: sa,
                ..
            },
            Rule::Linear {
                full_at: b,
                step: sb,
                ..
            },
        ) => {
            fields.extend(Pair::of(*sa, *sb).map(ItemField::Step));
            Pair::of(*a, *b).map(ItemField::FullAt)
        }
        (Rule::Deduct { deductions: a }, Rule::Deduct { deductions: b }) => {
            fields.extend(deduction_fields(a, b));
            None
        }
        (Rule::Level { levels: a }, Rule::Level { levels: b }) => {
            Pair::of(a.clone(), b.clone()).map(ItemField::Levels)
        }
        (Rule::Choice { points: a, .. }, Rule::Choice { points: b, .. }) => {
            Pair::of(a.clone(), b.clone()).map(ItemField::ChoicePoints)
        }
        (
            Rule::Formula {
                formula: a,
                step: sa,
            },
            Rule::Formula {
                formula: b,
                step: sb,
            },
        ) => {
            fields.extend(Pair::of(*sa, *sb).map(ItemField::Step));
            // The formula names the inputs itself; its text says it all.
            fields.retain(|f| !matches!(f, ItemField::Inputs(_)));
            Pair::of(a.source.clone(), b.source.clone()).map(ItemField::Formula)
        }
        _ => None,
    };
    fields.extend(param);
    fields
}

/// Deductions matched by their wording (like items), then compared.
fn deduction_fields(old: &[Deduction], new: &[Deduction]) -> Vec<ItemField> {
    let key = |d: &[Deduction]| -> Vec<(String, String)> {
        d.iter()
            .enumerate()
            .map(|(n, d)| (n.to_string(), d.text.clone()))
            .collect()
    };
    matching::by_wording(&key(old), &key(new))
        .into_iter()
        .filter_map(|p| match p {
            (Some(i), Some(j)) => {
                Pair::of(old[i].clone(), new[j].clone()).map(ItemField::DeductionChanged)
            }
            (None, Some(j)) => Some(ItemField::DeductionAdded(new[j].clone())),
            (Some(i), None) => Some(ItemField::DeductionRemoved(old[i].clone())),
            (None, None) => None,
        })
        .collect()
}

/// The trigger as written: the input's key (as the new version calls it)
/// or the condition's source.
fn trigger(veto: &Veto, inputs: &BTreeMap<String, String>) -> String {
    match &veto.trigger {
        VetoTrigger::Input(key) => rename(inputs, key),
        VetoTrigger::When(c) => c.source.clone(),
    }
}

/// Vetoes: by their trigger (old input keys as the new version calls
/// them), then by their reason.
fn vetoes(old: &Checklist, new: &Checklist, renames: &Renames) -> Vec<VetoChange> {
    let none = BTreeMap::new();
    let keys = |vetoes: &[Veto], inputs: &BTreeMap<String, String>| -> Vec<Vec<String>> {
        vetoes
            .iter()
            .map(|v| vec![trigger(v, inputs), fold_label(&v.reason)])
            .collect()
    };
    let pairs = matching::by_key_lists(
        &keys(&old.vetoes, &renames.inputs),
        &keys(&new.vetoes, &none),
    );
    changes(&pairs, &old.vetoes, &new.vetoes, |o, n| {
        [
            Pair::of(trigger(o, &renames.inputs), trigger(n, &none)).map(VetoField::Trigger),
            Pair::of(o.reason.clone(), n.reason.clone()).map(VetoField::Reason),
        ]
        .into_iter()
        .flatten()
        .collect()
    })
}

fn tiers(old: &Checklist, new: &Checklist, renames: &Renames) -> Vec<TierChange> {
    let pairs = matching::by_keys(
        &old.tiers,
        &new.tiers,
        &[&|t: &Tier| t.code.clone(), &|t: &Tier| fold_label(&t.name)],
    );
    // Minimum inputs in the order the checklist asks the inputs (the file's
    // table is alphabetical), inputs gone last.
    let position = |key: &str| {
        new.inputs
            .iter()
            .position(|i| i.key == key)
            .unwrap_or(usize::MAX)
    };
    changes(&pairs, &old.tiers, &new.tiers, |o, n| {
        let mut fields = tier_fields(o, n, renames);
        fields.sort_by_key(|f| match f {
            TierField::MinInput { key, .. } => (1, position(key)),
            TierField::Requires(_) => (2, 0),
            _ => (0, 0),
        });
        fields
    })
}

fn tier_fields(old: &Tier, new: &Tier, renames: &Renames) -> Vec<TierField> {
    let mut fields: Vec<TierField> = [
        Pair::of(old.code.clone(), new.code.clone()).map(TierField::Code),
        Pair::of(old.name.clone(), new.name.clone()).map(TierField::Name),
        Pair::of(old.min_total, new.min_total).map(TierField::MinTotal),
    ]
    .into_iter()
    .flatten()
    .collect();
    // An old code counts as its matched item's new code; a removed item's
    // code may name another item now, so it matches nothing.
    let still = |c: &String| {
        renames
            .items
            .get(c)
            .is_some_and(|n| new.required_items.contains(n))
    };
    let old_required: Vec<&String> = old
        .required_items
        .iter()
        .filter_map(|c| renames.items.get(c))
        .collect();
    let added: Vec<String> = new
        .required_items
        .iter()
        .filter(|c| !old_required.contains(c))
        .cloned()
        .collect();
    let removed: Vec<String> = old
        .required_items
        .iter()
        .filter(|c| !still(c))
        .cloned()
        .collect();
    if !added.is_empty() || !removed.is_empty() {
        fields.push(TierField::RequiredItems { added, removed });
    }
    fields.extend(Pair::of(old.category_floor, new.category_floor).map(TierField::CategoryFloor));
    fields.extend(min_input_fields(old, new, renames));
    fields.extend(
        Pair::of(
            old.requires.as_ref().map(|c| c.source.clone()),
            new.requires.as_ref().map(|c| c.source.clone()),
        )
        .map(TierField::Requires),
    );
    fields
}

/// Minimum inputs, in the new version's order, then those dropped.
fn min_input_fields(old: &Tier, new: &Tier, renames: &Renames) -> Vec<TierField> {
    let old_mins: Vec<(String, &MinInput)> = old
        .min_inputs
        .iter()
        .map(|(k, m)| (rename(&renames.inputs, k), m))
        .collect();
    let find_old = |key: &str| old_mins.iter().find(|(k, _)| k == key).map(|(_, m)| *m);
    let mut fields: Vec<TierField> = new
        .min_inputs
        .iter()
        .filter(|(k, m)| find_old(k) != Some(m))
        .map(|(k, m)| TierField::MinInput {
            key: k.clone(),
            old: find_old(k).cloned(),
            new: Some(m.clone()),
        })
        .collect();
    fields.extend(
        old_mins
            .iter()
            .filter(|(k, _)| !new.min_inputs.iter().any(|(n, _)| n == k))
            .map(|(k, m)| TierField::MinInput {
                key: k.clone(),
                old: Some((*m).clone()),
                new: None,
            }),
    );
    fields
}

fn grades(old: &Checklist, new: &Checklist) -> Vec<GradeChange> {
    let pairs = matching::by_keys(
        &old.grades,
        &new.grades,
        &[&|g: &Grade| fold_label(&g.name)],
    );
    changes(&pairs, &old.grades, &new.grades, |o, n| {
        [
            Pair::of(o.min_total, n.min_total).map(GradeField::MinTotal),
            Pair::of(
                o.requires.as_ref().map(|c| c.source.clone()),
                n.requires.as_ref().map(|c| c.source.clone()),
            )
            .map(GradeField::Requires),
        ]
        .into_iter()
        .flatten()
        .collect()
    })
}
