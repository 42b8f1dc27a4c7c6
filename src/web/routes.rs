//! Every route on one screen.

use actix_web::{HttpResponse, web};

use super::api::{
    assessments, audit, campaigns, checklists, flags, rectifications, reports, samples, session,
    submissions, units, users,
};
use super::openapi;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route(
        "/healthz",
        web::get().to(|| async { HttpResponse::Ok().body("ok") }),
    )
    .route("/api/openapi.json", web::get().to(openapi::document))
    .service(openapi::swagger_ui())
    .service(
        web::scope("/api/v1")
            .route("/session", web::post().to(session::create))
            .route("/session", web::delete().to(session::delete))
            .route("/me", web::get().to(session::me))
            .route("/submissions", web::post().to(submissions::create))
            .route("/submissions/{id}", web::get().to(submissions::get))
            .route("/submissions/{id}/file", web::get().to(submissions::file))
            .route(
                "/submissions/{id}/reviews",
                web::post().to(submissions::review),
            )
            .route("/assessments", web::get().to(assessments::list))
            .route("/assessments/{id}", web::get().to(assessments::get))
            .route("/units", web::get().to(units::list))
            .route("/units", web::post().to(units::save))
            .route("/units/import", web::post().to(units::import))
            .route("/units/{code}", web::get().to(units::get))
            .route("/units/{code}/history", web::get().to(assessments::history))
            .route("/campaigns", web::get().to(campaigns::list))
            .route("/campaigns", web::post().to(campaigns::create))
            .route("/campaigns/{year}", web::get().to(campaigns::get))
            .route("/campaigns/{year}", web::patch().to(campaigns::update))
            .route("/checklists", web::get().to(checklists::list))
            .route(
                "/checklists/{reference}/template",
                web::get().to(checklists::template),
            )
            .route("/samples", web::post().to(samples::create))
            .route("/samples", web::get().to(samples::list))
            .route("/samples/{id}", web::get().to(samples::get))
            .route("/flags", web::get().to(flags::list))
            .route("/flags/{id}/resolve", web::post().to(flags::resolve))
            .route("/rectifications", web::get().to(rectifications::list))
            .route(
                "/rectifications/counts",
                web::get().to(rectifications::counts),
            )
            .route("/rectifications/{id}", web::get().to(rectifications::get))
            .route(
                "/rectifications/{id}",
                web::patch().to(rectifications::update),
            )
            .route(
                "/rectifications/{id}/actions",
                web::post().to(rectifications::act),
            )
            .route(
                "/rectifications/{id}/evidence/{evidence_id}",
                web::get().to(rectifications::evidence),
            )
            .route("/reports/district", web::get().to(reports::district))
            .route(
                "/reports/district.xlsx",
                web::get().to(reports::district_workbook),
            )
            .route(
                "/reports/district.html",
                web::get().to(reports::district_page),
            )
            .route("/units/{code}/card.html", web::get().to(reports::unit_card))
            .route(
                "/units/{code}/notice.{format}",
                web::get().to(reports::unit_notice),
            )
            .route("/audit", web::get().to(audit::list))
            .route("/users", web::get().to(users::list))
            .route("/users", web::post().to(users::create))
            .route("/users/{id}", web::patch().to(users::update))
            .default_service(web::to(not_found)),
    );
}

async fn not_found() -> Result<HttpResponse, super::ApiError> {
    Err(crate::service::ServiceError::NotFound("没有这个接口".into()).into())
}
