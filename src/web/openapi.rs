//! The OpenAPI 3 document (`GET /api/openapi.json`) and Swagger UI, served
//! from the binary (no network needed) at `/api/docs/`.
//!
//! What every operation shares is written here once, by modifiers, not per
//! handler: the answers any request may get (400, 500, 503; 413 where a
//! body is read; 429 where files are uploaded), and the text rule on every
//! string (no U+0000, U+FFFE or U+FFFF, see [`crate::domain::text`]) as a
//! `pattern`. A string marked `min_length = 1` is one the service trims
//! before it checks it: its pattern says "at least one character that is
//! not white space", exactly as `str::trim` has it.

use actix_web::HttpResponse;
use utoipa::openapi::path::{Operation, ParameterIn};
use utoipa::openapi::schema::{AdditionalProperties, ArrayItems, Schema, SchemaType, Type};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{ContentBuilder, Ref, RefOr, ResponseBuilder};
use utoipa::{Modify, OpenApi};
use utoipa_swagger_ui::SwaggerUi;

use super::api;

/// White space as `str::trim` removes it (`char::is_whitespace`), spelled
/// out for patterns: `\s` means different things in different dialects.
pub const WHITE_SPACE: &str =
    r"\t-\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000";
/// The characters the text rule refuses, for patterns.
pub const FORBIDDEN: &str = r"\u0000\ufffe\uffff";

/// Any text the text rule lets through.
pub fn any_text() -> String {
    format!("^[^{FORBIDDEN}]*$")
}

/// Text that is not blank once trimmed.
pub fn non_blank() -> String {
    format!("^[^{FORBIDDEN}]*[^{WHITE_SPACE}{FORBIDDEN}][^{FORBIDDEN}]*$")
}

/// One word once trimmed: no white space inside (a user name).
pub fn one_word() -> String {
    format!("^[{WHITE_SPACE}]*[^{WHITE_SPACE}{FORBIDDEN}]+[{WHITE_SPACE}]*$")
}

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

fn operations(openapi: &mut utoipa::openapi::OpenApi) -> impl Iterator<Item = &mut Operation> {
    openapi.paths.paths.values_mut().flat_map(|item| {
        [
            &mut item.get,
            &mut item.put,
            &mut item.post,
            &mut item.delete,
            &mut item.options,
            &mut item.head,
            &mut item.patch,
            &mut item.trace,
        ]
        .into_iter()
        .flatten()
    })
}

/// The answers every operation may give, added where an operation does not
/// describe them itself.
struct SharedAnswers;

impl SharedAnswers {
    const ANY: [(&'static str, &'static str); 3] = [
        (
            "400",
            "A parameter, path segment or body not as described (a number out of range, a value not allowed, a field missing), or text holding U+0000, U+FFFE or U+FFFF",
        ),
        (
            "500",
            "A fault of the server (logged; the answer names no internals)",
        ),
        (
            "503",
            "The server is busy (no worker free, or the upload memory budget spent): try again shortly",
        ),
    ];
    const BODY: (&'static str, &'static str) = (
        "413",
        "The body is over its limit (JSON 1 MB; a workbook or a zip over the upload limits)",
    );
    const UPLOAD: (&'static str, &'static str) = (
        "429",
        "This account already has its uploads running (2 at once by default): try again after them",
    );
}

impl Modify for SharedAnswers {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        for operation in operations(openapi) {
            let mut shared: Vec<(&str, &str)> = Self::ANY.to_vec();
            if let Some(RefOr::T(body)) = &operation.request_body {
                shared.push(Self::BODY);
                if body.content.contains_key("multipart/form-data") {
                    shared.push(Self::UPLOAD);
                }
            }
            for (status, description) in shared {
                operation
                    .responses
                    .responses
                    .entry(status.to_string())
                    .or_insert_with(|| {
                        ResponseBuilder::new()
                            .description(description)
                            .content(
                                "application/json",
                                ContentBuilder::new()
                                    .schema(Some(Ref::from_schema_name("ErrorBody")))
                                    .build(),
                            )
                            .build()
                            .into()
                    });
            }
        }
    }
}

/// The text rule on every string, and no `null` for parameters (a query
/// or a path has no null: an absent parameter is absent).
struct TextRule;

impl TextRule {
    fn schema(schema: &mut RefOr<Schema>) {
        if let RefOr::T(schema) = schema {
            Self::inner(schema);
        }
    }

    fn inner(schema: &mut Schema) {
        match schema {
            Schema::Object(object) => {
                let is_string = match &object.schema_type {
                    SchemaType::Type(t) => *t == Type::String,
                    SchemaType::Array(types) => types.contains(&Type::String),
                    SchemaType::AnyValue => false,
                };
                if is_string
                    && object.enum_values.is_none()
                    && object.format.is_none()
                    && object.pattern.is_none()
                {
                    let blank_refused = object.min_length.is_some_and(|n| n >= 1);
                    object.pattern = Some(if blank_refused {
                        non_blank()
                    } else {
                        any_text()
                    });
                }
                object.properties.values_mut().for_each(Self::schema);
                if let Some(extra) = object.additional_properties.as_deref_mut()
                    && let AdditionalProperties::RefOr(extra) = extra
                {
                    Self::schema(extra);
                }
            }
            Schema::Array(array) => {
                if let ArrayItems::RefOrSchema(items) = &mut array.items {
                    Self::schema(items);
                }
            }
            Schema::OneOf(one) => one.items.iter_mut().for_each(Self::schema),
            Schema::AllOf(all) => all.items.iter_mut().for_each(Self::schema),
            Schema::AnyOf(any) => any.items.iter_mut().for_each(Self::schema),
            _ => {}
        }
    }

    fn not_null(schema: &mut RefOr<Schema>) {
        if let RefOr::T(Schema::Object(object)) = schema
            && let SchemaType::Array(types) = &mut object.schema_type
        {
            types.retain(|t| *t != Type::Null);
            if let [only] = types.as_slice() {
                object.schema_type = SchemaType::Type(only.clone());
            }
        }
    }
}

impl Modify for TextRule {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        if let Some(components) = &mut openapi.components {
            components.schemas.values_mut().for_each(Self::schema);
        }
        for operation in operations(openapi) {
            for parameter in operation.parameters.iter_mut().flatten() {
                if let RefOr::T(parameter) = parameter
                    && let Some(schema) = &mut parameter.schema
                {
                    if matches!(
                        parameter.parameter_in,
                        ParameterIn::Query | ParameterIn::Path
                    ) {
                        Self::not_null(schema);
                    }
                    Self::schema(schema);
                }
            }
            if let Some(RefOr::T(body)) = &mut operation.request_body {
                for content in body.content.values_mut() {
                    if let RefOr::T(content) = content
                        && let Some(schema) = &mut content.schema
                    {
                        Self::schema(schema);
                    }
                }
            }
            for response in operation.responses.responses.values_mut() {
                if let RefOr::T(response) = response {
                    for content in response.content.values_mut() {
                        if let RefOr::T(content) = content
                            && let Some(schema) = &mut content.schema
                        {
                            Self::schema(schema);
                        }
                    }
                }
            }
        }
    }
}

/// A body that must hold exactly one of some fields, not null (a sample
/// gives `count` or `percent`): the component becomes `allOf` its fields
/// and a `oneOf` that requires each of them.
struct ExactlyOne {
    schema: &'static str,
    fields: &'static [&'static str],
}

impl Modify for ExactlyOne {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::schema::{AllOfBuilder, ObjectBuilder, OneOfBuilder};
        let Some(schemas) = openapi.components.as_mut().map(|c| &mut c.schemas) else {
            return;
        };
        let Some(RefOr::T(Schema::Object(object))) = schemas.get(self.schema).cloned() else {
            return;
        };
        let mut one_of = OneOfBuilder::new();
        for field in self.fields {
            let mut property = object.properties.get(*field).cloned().unwrap_or_default();
            TextRule::not_null(&mut property);
            one_of = one_of.item(
                ObjectBuilder::new()
                    .property(*field, property)
                    .required(*field),
            );
        }
        let description = object.description.clone();
        let all = AllOfBuilder::new()
            .item(Schema::Object(object))
            .item(one_of)
            .description(description)
            .build();
        schemas.insert(self.schema.to_string(), RefOr::T(Schema::AllOf(all)));
    }
}

/// What an action on a rectification order needs besides its name, from
/// the lifecycle's rules: re-check points only with `verify`, a note (not
/// blank) with `return` and `waive`, evidence files only with `submit`.
/// Each of `ActionRequest` (JSON) and `ActionForm` (multipart) becomes
/// `allOf` its fields and a `oneOf` with a branch per kind of action.
struct ActionRules;

impl ActionRules {
    fn rules(schema: &mut RefOr<Schema>, form: bool) {
        use crate::domain::rectification::Action;
        use utoipa::openapi::schema::{AllOfBuilder, ArrayBuilder, ObjectBuilder, OneOfBuilder};
        let RefOr::T(Schema::Object(object)) = schema else {
            return;
        };
        // Absent (or null, or in a form empty).
        let none = || -> Schema {
            if form {
                ObjectBuilder::new()
                    .schema_type(Type::String)
                    .max_length(Some(0))
                    .into()
            } else {
                ObjectBuilder::new().schema_type(Type::Null).into()
            }
        };
        let mut one_of = OneOfBuilder::new();
        let kinds = [
            (true, false, false), // verify: points allowed
            (false, false, true), // submit: evidence allowed
            (false, true, false), // return, waive: a note
        ];
        for (points, note, files) in kinds {
            let names: Vec<&str> = Action::ALL
                .into_iter()
                .filter(|a| {
                    (*a == Action::Verify) == points
                        && a.needs_note() == note
                        && (*a == Action::Submit) == files
                })
                .map(Action::as_str)
                .collect();
            let mut branch = ObjectBuilder::new().property(
                "action",
                ObjectBuilder::new()
                    .schema_type(Type::String)
                    .enum_values(Some(names)),
            );
            if !points {
                branch = branch.property("recheck_points", none());
            }
            if note {
                branch = branch
                    .property(
                        "note",
                        ObjectBuilder::new()
                            .schema_type(Type::String)
                            .min_length(Some(1))
                            .pattern(Some(non_blank())),
                    )
                    .required("note");
            }
            if form && !files {
                branch = branch.property(
                    "file",
                    ArrayBuilder::new()
                        .items(RefOr::Ref(Ref::from_schema_name("Binary")))
                        .max_items(Some(0)),
                );
            }
            one_of = one_of.item(branch);
        }
        let description = object.description.clone();
        *schema = RefOr::T(Schema::AllOf(
            AllOfBuilder::new()
                .item(Schema::Object(object.clone()))
                .item(one_of)
                .description(description)
                .build(),
        ));
    }
}

impl Modify for ActionRules {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let Some(schemas) = openapi.components.as_mut().map(|c| &mut c.schemas) else {
            return;
        };
        for (name, form) in [("ActionRequest", false), ("ActionForm", true)] {
            if let Some(schema) = schemas.get_mut(name) {
                Self::rules(schema, form);
            }
        }
    }
}

/// A unit account names its unit, a street officer its street; no other
/// account names either.
struct UserRules;

impl Modify for UserRules {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use crate::service::Role;
        use utoipa::openapi::schema::{AllOfBuilder, ObjectBuilder, OneOfBuilder};
        let Some(schemas) = openapi.components.as_mut().map(|c| &mut c.schemas) else {
            return;
        };
        let Some(RefOr::T(Schema::Object(object))) = schemas.get("NewUser").cloned() else {
            return;
        };
        let role = |roles: &[Role]| {
            ObjectBuilder::new()
                .schema_type(Type::String)
                .enum_values(Some(roles.iter().map(|r| r.as_str())))
        };
        let one_of = OneOfBuilder::new()
            .item(
                ObjectBuilder::new()
                    .property("role", role(&[Role::Unit]))
                    .property(
                        "unit",
                        ObjectBuilder::new()
                            .schema_type(Type::String)
                            .pattern(Some(any_text())),
                    )
                    .property("street", ObjectBuilder::new().schema_type(Type::Null))
                    .required("unit"),
            )
            .item(
                ObjectBuilder::new()
                    .property("role", role(&[Role::Street]))
                    .property(
                        "street",
                        ObjectBuilder::new()
                            .schema_type(Type::String)
                            .pattern(Some(any_text())),
                    )
                    .property("unit", ObjectBuilder::new().schema_type(Type::Null))
                    .required("street"),
            )
            .item(
                ObjectBuilder::new()
                    .property("role", role(&[Role::Admin, Role::Inspector, Role::Leader]))
                    .property("unit", ObjectBuilder::new().schema_type(Type::Null))
                    .property("street", ObjectBuilder::new().schema_type(Type::Null)),
            );
        let description = object.description.clone();
        schemas.insert(
            "NewUser".into(),
            RefOr::T(Schema::AllOf(
                AllOfBuilder::new()
                    .item(Schema::Object(object))
                    .item(one_of)
                    .description(description)
                    .build(),
            )),
        );
    }
}

/// The multipart forms name their fields as JSON bodies do: no others.
struct ClosedForms;

impl Modify for ClosedForms {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let Some(schemas) = openapi.components.as_mut().map(|c| &mut c.schemas) else {
            return;
        };
        for name in ["UploadForm", "RosterForm", "ActionForm", "EvidenceForm"] {
            if let Some(RefOr::T(Schema::Object(form))) = schemas.get_mut(name) {
                form.additional_properties = Some(Box::new(AdditionalProperties::FreeForm(false)));
            }
        }
    }
}

/// A sample is drawn by count or by percent.
const SAMPLE_SIZE: ExactlyOne = ExactlyOne {
    schema: "SampleRequest",
    fields: &["count", "percent"],
};

/// A file's bytes, as downloaded or uploaded.
#[derive(utoipa::ToSchema)]
#[schema(value_type = String, format = Binary)]
pub struct Binary(#[allow(dead_code)] Vec<u8>);

/// The lists and reports answered conditionally ([`super::revalidate`]):
/// `If-None-Match` in, `ETag` and `Cache-Control` out, 304 when unchanged.
struct Revalidated;

impl Modify for Revalidated {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::header::HeaderBuilder;
        use utoipa::openapi::path::ParameterBuilder;
        use utoipa::openapi::{ObjectBuilder, Required};
        let text = || ObjectBuilder::new().schema_type(Type::String).build();
        let etag = || {
            HeaderBuilder::new()
                .schema(Some(text()))
                .description(Some(
                    "A weak tag of this answer for this caller; it changes when anything shown is written",
                ))
                .build()
        };
        let cache = || {
            HeaderBuilder::new()
                .schema(Some(text()))
                .description(Some(
                    "private, no-cache: ask again each time, with If-None-Match",
                ))
                .build()
        };
        for (path, item) in openapi.paths.paths.iter_mut() {
            let Some(get) = item
                .get
                .as_mut()
                .filter(|_| super::revalidate::revalidated(path))
            else {
                continue;
            };
            get.parameters.get_or_insert_with(Vec::new).push(
                ParameterBuilder::new()
                    .name("If-None-Match")
                    .parameter_in(ParameterIn::Header)
                    .required(Required::False)
                    .description(Some(
                        "The ETag of an earlier answer: 304 while nothing changed",
                    ))
                    .schema(Some(text()))
                    .build()
                    .into(),
            );
            if let Some(RefOr::T(ok)) = get.responses.responses.get_mut("200") {
                ok.headers.insert("ETag".into(), etag().into());
                ok.headers.insert("Cache-Control".into(), cache().into());
            }
            get.responses.responses.insert(
                "304".into(),
                ResponseBuilder::new()
                    .description("Not modified: the If-None-Match tag is current (no body)")
                    .header("ETag", etag())
                    .header("Cache-Control", cache())
                    .build()
                    .into(),
            );
        }
    }
}

#[derive(OpenApi)]
#[openapi(
    info(title = "nianjian 年检", description = "A district archives bureau's annual inspection: self-check uploads, scoring, reviews, spot checks, rectification and reports. Errors are JSON {\"error\": \"...\", \"details\": [...]}. A method a path does not answer is 405 with `Allow`."),
    modifiers(&BearerAuth, &SharedAnswers, &TextRule, &SAMPLE_SIZE, &ClosedForms, &ActionRules, &UserRules, &Revalidated),
    paths(
        api::session::create, api::session::delete, api::session::me,
        api::submissions::create, api::submissions::get, api::submissions::file, api::submissions::review, api::submissions::first_check,
        api::assessments::list, api::assessments::get, api::assessments::history,
        api::rescore::preview,
        api::units::list, api::units::get, api::units::save, api::units::import,
        api::evidence::attach, api::evidence::list, api::evidence::file,
        api::campaigns::list, api::campaigns::get, api::campaigns::create, api::campaigns::update,
        api::campaigns::publication, api::campaigns::publish,
        api::checklists::list, api::checklists::template, api::checklists::create,
        api::checklists::get, api::checklists::workbook, api::checklists::publish,
        api::samples::create, api::samples::list, api::samples::get,
        api::peer_reviews::plan, api::peer_reviews::form, api::peer_reviews::record, api::peer_reviews::figures,
        api::flags::list, api::flags::resolve,
        api::rectifications::list, api::rectifications::counts, api::rectifications::get,
        api::rectifications::update, api::rectifications::act, api::rectifications::evidence,
        api::reports::district, api::reports::district_workbook, api::reports::district_page,
        api::city::summary, api::city::summary_workbook,
        api::reports::unit_card, api::reports::unit_notice, api::reports::comparison, api::reports::comparison_workbook,
        api::audit::list,
        api::reminders::list, api::reminders::seen, api::reminders::deliveries,
        api::users::list, api::users::create, api::users::update, api::users::end_sessions,
    ),
)]
pub struct ApiDoc;

pub async fn document() -> HttpResponse {
    HttpResponse::Ok().json(ApiDoc::openapi())
}

pub fn swagger_ui() -> SwaggerUi {
    SwaggerUi::new("/api/docs/{_:.*}").url("/api/docs/openapi.json", ApiDoc::openapi())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The characters a pattern's class spells out (`\t`, `\r`, `\uXXXX`,
    /// literal characters and `a-b` ranges).
    fn class(spelled: &str) -> Vec<char> {
        let mut chars = Vec::new();
        let mut rest = spelled;
        let next = |rest: &mut &str| -> Option<char> {
            let c = rest.chars().next()?;
            if c != '\\' {
                *rest = &rest[c.len_utf8()..];
                return Some(c);
            }
            let (c, len) = match &rest[1..2] {
                "t" => ('\t', 2),
                "r" => ('\r', 2),
                "u" => (
                    char::from_u32(u32::from_str_radix(&rest[2..6], 16).ok()?)?,
                    6,
                ),
                other => panic!("unexpected escape \\{other}"),
            };
            *rest = &rest[len..];
            Some(c)
        };
        while let Some(first) = next(&mut rest) {
            if let Some(after) = rest.strip_prefix('-') {
                rest = after;
                let last = next(&mut rest).expect("range end");
                chars.extend(first..=last);
            } else {
                chars.push(first);
            }
        }
        chars
    }

    #[test]
    fn white_space_is_what_trim_removes() {
        let spelled = class(WHITE_SPACE);
        let all: Vec<char> = (0..=0x10FFFF)
            .filter_map(char::from_u32)
            .filter(|c| c.is_whitespace())
            .collect();
        let mut sorted = spelled.clone();
        sorted.sort();
        assert_eq!(sorted, all);
    }

    #[test]
    fn forbidden_is_the_text_rule() {
        let spelled = class(FORBIDDEN);
        let all: Vec<char> = (0..=0x10FFFF)
            .filter_map(char::from_u32)
            .filter(|c| crate::domain::text::is_forbidden_char(*c))
            .collect();
        assert_eq!(spelled, all);
    }

    #[test]
    fn the_user_name_pattern_is_one_word() {
        let doc = serde_json::to_value(ApiDoc::openapi()).expect("document");
        let pattern = &doc["components"]["schemas"]["NewUser"]["allOf"][0]["properties"]["username"]
            ["pattern"];
        assert_eq!(pattern.as_str(), Some(one_word().as_str()));
    }
}
