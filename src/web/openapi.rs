//! The OpenAPI 3 document (`GET /api/openapi.json`) and Swagger UI, served
//! from the binary (no network needed) at `/api/docs/`.

use actix_web::HttpResponse;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};
use utoipa_swagger_ui::SwaggerUi;

use super::api;

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

#[derive(OpenApi)]
#[openapi(
    info(title = "nianjian 年检", description = "A district archives bureau's annual inspection: self-check uploads, scoring, reviews, spot checks, rectification and reports. Errors are JSON {\"error\": \"...\", \"details\": [...]}."),
    modifiers(&BearerAuth),
    paths(
        api::session::create, api::session::delete, api::session::me,
        api::submissions::create, api::submissions::get, api::submissions::file, api::submissions::review,
        api::assessments::list, api::assessments::get, api::assessments::history,
        api::units::list, api::units::get, api::units::save, api::units::import,
        api::campaigns::list, api::campaigns::get, api::campaigns::create, api::campaigns::update,
        api::checklists::list, api::checklists::template,
        api::samples::create, api::samples::list, api::samples::get,
        api::flags::list, api::flags::resolve,
        api::rectifications::list, api::rectifications::counts, api::rectifications::get,
        api::rectifications::update, api::rectifications::act, api::rectifications::evidence,
        api::reports::district, api::reports::district_workbook, api::reports::district_page,
        api::reports::unit_card, api::reports::unit_notice,
        api::audit::list,
        api::users::list, api::users::create, api::users::update,
    ),
)]
pub struct ApiDoc;

pub async fn document() -> HttpResponse {
    HttpResponse::Ok().json(ApiDoc::openapi())
}

pub fn swagger_ui() -> SwaggerUi {
    SwaggerUi::new("/api/docs/{_:.*}").url("/api/docs/openapi.json", ApiDoc::openapi())
}
