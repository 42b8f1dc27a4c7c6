//! Every route on one screen.
//!
//! Each path of the JSON API is one resource listing its methods
//! (`at(path).get(h).post(h)`); any other method on that path is answered
//! 405 with an `Allow` header naming the ones it has, in one place here,
//! not per handler. Paths nobody serves are 404.

use actix_web::dev::{AppService, HttpServiceFactory};
use actix_web::http::Method;
use actix_web::{FromRequest, Handler, HttpResponse, Resource, Responder, web};

use super::api::{
    assessments, audit, campaigns, checklists, city, evidence, flags, peer_reviews, rectifications,
    reminders, reports, rescore, samples, session, submissions, units, users,
};
use super::openapi;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(at("/healthz").get(|| async { HttpResponse::Ok().body("ok") }))
        .service(at("/readyz").get(readyz))
        // Prometheus text, not JSON: outside the OpenAPI document.
        .service(at("/metrics").get(super::metrics::scrape))
        .service(at("/api/openapi.json").get(openapi::document))
        .service(openapi::swagger_ui())
        .service(
            web::scope("/api/v1")
                .service(at("/session").post(session::create).delete(session::delete))
                .service(at("/me").get(session::me))
                .service(at("/submissions").post(submissions::create))
                .service(at("/submissions/{id}").get(submissions::get))
                .service(at("/submissions/{id}/file").get(submissions::file))
                .service(at("/submissions/{id}/reviews").post(submissions::review))
                .service(at("/submissions/{id}/first-check").post(submissions::first_check))
                .service(at("/assessments").get(assessments::list))
                .service(at("/assessments/{id}").get(assessments::get))
                .service(at("/rescore").get(rescore::preview))
                .service(at("/units").get(units::list).post(units::save))
                .service(at("/units/import").post(units::import))
                .service(at("/units/{code}").get(units::get))
                .service(
                    at("/units/{code}/evidence")
                        .get(evidence::list)
                        .post(evidence::attach),
                )
                .service(at("/units/{code}/evidence/{id}").get(evidence::file))
                .service(at("/units/{code}/history").get(assessments::history))
                .service(
                    at("/campaigns")
                        .get(campaigns::list)
                        .post(campaigns::create),
                )
                .service(
                    at("/campaigns/{year}")
                        .get(campaigns::get)
                        .patch(campaigns::update),
                )
                .service(
                    at("/campaigns/{year}/publication")
                        .get(campaigns::publication)
                        .post(campaigns::publish),
                )
                .service(
                    at("/campaigns/{year}/peer-groups")
                        .get(peer_reviews::plan)
                        .put(peer_reviews::form),
                )
                .service(at("/campaigns/{year}/peer-reviews").post(peer_reviews::record))
                .service(at("/campaigns/{year}/peer-reviews/figures").get(peer_reviews::figures))
                .service(
                    at("/checklists")
                        .get(checklists::list)
                        .post(checklists::create),
                )
                .service(at("/checklists/{reference}").get(checklists::get))
                .service(at("/checklists/{reference}/template").get(checklists::template))
                .service(at("/checklists/{reference}/workbook").get(checklists::workbook))
                .service(at("/checklists/{reference}/publish").post(checklists::publish))
                .service(at("/samples").post(samples::create).get(samples::list))
                .service(at("/samples/{id}").get(samples::get))
                .service(at("/flags").get(flags::list))
                .service(at("/flags/{id}/resolve").post(flags::resolve))
                .service(at("/rectifications").get(rectifications::list))
                .service(at("/rectifications/counts").get(rectifications::counts))
                .service(
                    at("/rectifications/{id}")
                        .get(rectifications::get)
                        .patch(rectifications::update),
                )
                .service(at("/rectifications/{id}/actions").post(rectifications::act))
                .service(
                    at("/rectifications/{id}/evidence/{evidence_id}").get(rectifications::evidence),
                )
                .service(at("/reports/district").get(reports::district))
                .service(at("/reports/district.xlsx").get(reports::district_workbook))
                .service(at("/reports/district.html").get(reports::district_page))
                .service(at("/city/summary").get(city::summary))
                .service(at("/city/summary.xlsx").get(city::summary_workbook))
                .service(at("/units/{code}/card.html").get(reports::unit_card))
                .service(at("/units/{code}/notice.{format}").get(reports::unit_notice))
                .service(at("/units/{code}/comparison").get(reports::comparison))
                .service(at("/units/{code}/comparison.xlsx").get(reports::comparison_workbook))
                .service(at("/reminders").get(reminders::list))
                .service(at("/reminders/seen").post(reminders::seen))
                .service(at("/deliveries").get(reminders::deliveries))
                .service(at("/audit").get(audit::list))
                .service(at("/users").get(users::list).post(users::create))
                .service(at("/users/{id}").patch(users::update))
                .service(at("/users/{id}/sessions").delete(users::end_sessions))
                .default_service(web::to(not_found)),
        );
}

/// Ready for traffic: the database answers and its schema is current (503
/// otherwise, so a balancer sends requests elsewhere).
async fn readyz(state: web::Data<super::AppState>) -> Result<HttpResponse, super::ApiError> {
    let readiness = state
        .run(|conn, _| crate::service::health::ready(conn))
        .await?;
    let mut answer = if readiness.ready {
        HttpResponse::Ok()
    } else {
        HttpResponse::ServiceUnavailable()
    };
    Ok(answer.json(readiness))
}

async fn not_found() -> Result<HttpResponse, super::ApiError> {
    Err(crate::service::ServiceError::NotFound("没有这个接口".into()).into())
}

/// A path and the methods it answers; any other method there is 405.
pub struct At {
    resource: Resource,
    methods: Vec<Method>,
}

fn at(path: &str) -> At {
    At {
        resource: web::resource(path),
        methods: Vec::new(),
    }
}

impl At {
    fn method<F, Args>(mut self, method: Method, handler: F) -> At
    where
        F: Handler<Args>,
        Args: FromRequest + 'static,
        F::Output: Responder + 'static,
    {
        self.resource = self.resource.route(web::method(method.clone()).to(handler));
        self.methods.push(method);
        self
    }

    fn get<F, Args>(self, handler: F) -> At
    where
        F: Handler<Args>,
        Args: FromRequest + 'static,
        F::Output: Responder + 'static,
    {
        self.method(Method::GET, handler)
    }

    fn post<F, Args>(self, handler: F) -> At
    where
        F: Handler<Args>,
        Args: FromRequest + 'static,
        F::Output: Responder + 'static,
    {
        self.method(Method::POST, handler)
    }

    fn patch<F, Args>(self, handler: F) -> At
    where
        F: Handler<Args>,
        Args: FromRequest + 'static,
        F::Output: Responder + 'static,
    {
        self.method(Method::PATCH, handler)
    }

    fn put<F, Args>(self, handler: F) -> At
    where
        F: Handler<Args>,
        Args: FromRequest + 'static,
        F::Output: Responder + 'static,
    {
        self.method(Method::PUT, handler)
    }

    fn delete<F, Args>(self, handler: F) -> At
    where
        F: Handler<Args>,
        Args: FromRequest + 'static,
        F::Output: Responder + 'static,
    {
        self.method(Method::DELETE, handler)
    }
}

impl HttpServiceFactory for At {
    fn register(self, config: &mut AppService) {
        let allow = self
            .methods
            .iter()
            .map(Method::as_str)
            .collect::<Vec<_>>()
            .join(", ");
        self.resource
            .default_service(web::to(move || {
                let allow = allow.clone();
                async move { Err::<HttpResponse, _>(super::ApiError::MethodNotAllowed { allow }) }
            }))
            .register(config)
    }
}
