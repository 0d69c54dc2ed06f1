//! What answers when no route matched: 405 with `Allow` when the path exists under other methods,
//! else 404. The table of paths comes from the OpenAPI document, so it can never drift from the
//! routes actually registered. A browser asking for a page outside `/api/` gets the web console's
//! error page instead of the problem document.

use actix_web::{HttpRequest, HttpResponse, ResponseError, web};
use utoipa::openapi::{OpenApi, PathItem};

use crate::error::ApiError;

/// Every documented path template with the methods it accepts.
#[derive(Debug, Default)]
pub struct RouteTable {
    routes: Vec<(Vec<Segment>, Vec<&'static str>)>,
}

#[derive(Debug, PartialEq, Eq)]
enum Segment {
    Literal(String),
    Parameter,
}

impl RouteTable {
    /// Reads the paths and their methods out of an OpenAPI document.
    pub fn from_openapi(openapi: &OpenApi) -> Self {
        let routes = openapi
            .paths
            .paths
            .iter()
            .map(|(template, item)| (parse_template(template), methods_of(item)))
            .collect();
        Self { routes }
    }

    /// Adds a route that is not in the OpenAPI document (the documentation pages themselves).
    pub fn with_route(mut self, template: &str, methods: &[&'static str]) -> Self {
        self.routes
            .push((parse_template(template), methods.to_vec()));
        self
    }

    /// The methods `path` accepts, or `None` when no route has that path.
    fn allowed(&self, path: &str) -> Option<Vec<&'static str>> {
        let segments: Vec<&str> = path.split('/').collect();
        let mut allowed: Vec<&'static str> = self
            .routes
            .iter()
            .filter(|(template, _)| matches(template, &segments))
            .flat_map(|(_, methods)| methods.iter().copied())
            .collect();
        if allowed.is_empty() {
            return None;
        }
        allowed.sort_unstable();
        allowed.dedup();
        Some(allowed)
    }
}

fn parse_template(template: &str) -> Vec<Segment> {
    template
        .split('/')
        .map(|segment| {
            if segment.starts_with('{') && segment.ends_with('}') {
                Segment::Parameter
            } else {
                Segment::Literal(segment.to_owned())
            }
        })
        .collect()
}

fn matches(template: &[Segment], segments: &[&str]) -> bool {
    template.len() == segments.len()
        && template
            .iter()
            .zip(segments)
            .all(|(part, segment)| match part {
                Segment::Literal(literal) => literal == segment,
                Segment::Parameter => !segment.is_empty(),
            })
}

fn methods_of(item: &PathItem) -> Vec<&'static str> {
    [
        ("GET", item.get.is_some()),
        ("POST", item.post.is_some()),
        ("PUT", item.put.is_some()),
        ("PATCH", item.patch.is_some()),
        ("DELETE", item.delete.is_some()),
    ]
    .into_iter()
    .filter_map(|(method, present)| present.then_some(method))
    .collect()
}

/// The app's default service.
pub async fn no_route(req: HttpRequest, table: web::Data<RouteTable>) -> HttpResponse {
    let path = req.path();
    let err = match table.allowed(path) {
        Some(allowed) => ApiError::MethodNotAllowed {
            method: peitao_domain::shown(req.method().as_str()),
            allowed: allowed.into_iter().map(str::to_owned).collect(),
        },
        None => {
            let trimmed = path.trim_end_matches('/');
            let hint = if trimmed != path && !trimmed.is_empty() && table.allowed(trimmed).is_some()
            {
                format!("; did you mean {trimmed}?")
            } else {
                String::new()
            };
            ApiError::NotFound(format!(
                "no route matches {}{hint}",
                peitao_domain::shown(path)
            ))
        }
    };
    let wants_page = !path.starts_with("/api/")
        && req
            .headers()
            .get(actix_web::http::header::ACCEPT)
            .and_then(|accept| accept.to_str().ok())
            .is_some_and(|accept| accept.contains("text/html"));
    if wants_page {
        let lang = crate::console::i18n::Lang::of(&req);
        return crate::console::ConsoleError::Api(err).page(lang, None);
    }
    err.error_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table() -> RouteTable {
        RouteTable::default()
            .with_route("/api/v1/needs/{id}", &["GET", "PATCH"])
            .with_route("/api/v1/needs", &["GET", "POST"])
    }

    #[test]
    fn a_known_path_lists_its_methods() {
        assert_eq!(
            table().allowed("/api/v1/needs/42"),
            Some(vec!["GET", "PATCH"])
        );
        assert_eq!(table().allowed("/api/v1/needs"), Some(vec!["GET", "POST"]));
    }

    #[test]
    fn an_unknown_path_is_not_found() {
        assert_eq!(table().allowed("/api/v1/needs/42/extra"), None);
        assert_eq!(
            table().allowed("/api/v1/needs/"),
            None,
            "a trailing slash is another path"
        );
        assert_eq!(table().allowed("/api/v2/needs"), None);
    }
}
