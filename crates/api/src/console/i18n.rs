//! The console's words: every visible string comes from `i18n/zh.toml` or `i18n/en.toml`
//! (compiled in), keyed by dotted names such as `login.title`. Chinese is the default; a cookie
//! set by `/lang/en` switches to English.

use std::{
    collections::{BTreeMap, BTreeSet},
    sync::LazyLock,
};

use actix_web::HttpRequest;
use serde::Serialize;

/// The cookie that remembers the chosen language.
pub const LANG_COOKIE: &str = "peitao_lang";

const ZH: &str = include_str!("../../i18n/zh.toml");
const EN: &str = include_str!("../../i18n/en.toml");

/// A language of the console.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Lang {
    Zh,
    En,
}

impl Lang {
    /// The code in URLs, cookies and `<html lang>`.
    pub fn code(self) -> &'static str {
        match self {
            Self::Zh => "zh",
            Self::En => "en",
        }
    }

    /// `zh` or `en`.
    pub fn parse(code: &str) -> Option<Self> {
        match code {
            "zh" => Some(Self::Zh),
            "en" => Some(Self::En),
            _ => None,
        }
    }

    /// The language the request's cookie names, Chinese without one.
    pub fn of(req: &HttpRequest) -> Self {
        req.cookie(LANG_COOKIE)
            .and_then(|cookie| Self::parse(cookie.value()))
            .unwrap_or(Self::Zh)
    }

    /// The other language, offered by the switch.
    pub fn other(self) -> Self {
        match self {
            Self::Zh => Self::En,
            Self::En => Self::Zh,
        }
    }
}

/// Both message files, flattened to `section.key → text`.
pub struct Messages {
    zh: BTreeMap<String, String>,
    en: BTreeMap<String, String>,
}

static MESSAGES: LazyLock<Result<Messages, String>> = LazyLock::new(Messages::load);

impl Messages {
    fn load() -> Result<Self, String> {
        Ok(Self {
            zh: flatten(ZH).map_err(|err| format!("i18n/zh.toml: {err}"))?,
            en: flatten(EN).map_err(|err| format!("i18n/en.toml: {err}"))?,
        })
    }

    /// The compiled-in messages, or why a file does not parse.
    pub fn get() -> Result<&'static Self, &'static str> {
        MESSAGES.as_ref().map_err(String::as_str)
    }

    /// The text of `key` in `lang`.
    pub fn text(&self, lang: Lang, key: &str) -> Option<&str> {
        let table = match lang {
            Lang::Zh => &self.zh,
            Lang::En => &self.en,
        };
        table.get(key).map(String::as_str)
    }

    /// Keys one file has and the other lacks: `(only in zh, only in en)`.
    pub fn key_differences(&self) -> (Vec<String>, Vec<String>) {
        let zh: BTreeSet<&String> = self.zh.keys().collect();
        let en: BTreeSet<&String> = self.en.keys().collect();
        (
            zh.difference(&en).map(|key| (*key).clone()).collect(),
            en.difference(&zh).map(|key| (*key).clone()).collect(),
        )
    }

    /// Every key (of the Chinese file).
    pub fn keys(&self) -> impl Iterator<Item = &str> {
        self.zh.keys().map(String::as_str)
    }
}

fn flatten(text: &str) -> Result<BTreeMap<String, String>, String> {
    let table: toml::Table = text
        .parse()
        .map_err(|err: toml::de::Error| err.to_string())?;
    let mut out = BTreeMap::new();
    walk("", &table, &mut out)?;
    Ok(out)
}

fn walk(
    prefix: &str,
    table: &toml::Table,
    out: &mut BTreeMap<String, String>,
) -> Result<(), String> {
    for (key, value) in table {
        let name = if prefix.is_empty() {
            key.clone()
        } else {
            format!("{prefix}.{key}")
        };
        match value {
            toml::Value::String(text) => {
                out.insert(name, text.clone());
            }
            toml::Value::Table(inner) => walk(&name, inner, out)?,
            _ => return Err(format!("`{name}` is not text")),
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_files_parse_and_have_the_same_keys() {
        let messages = Messages::get().unwrap();
        assert_eq!(messages.key_differences(), (Vec::new(), Vec::new()));
    }

    #[test]
    fn every_key_a_template_or_handler_names_exists() {
        let messages = Messages::get().unwrap();
        let used = regex::Regex::new(r#"\bt\("([a-z0-9_.]+)"\)"#).unwrap();
        for (name, source) in super::super::page::TEMPLATES {
            for found in used.captures_iter(source) {
                let key = &found[1];
                assert!(
                    messages.text(Lang::Zh, key).is_some(),
                    "{name} uses `{key}`, which i18n/zh.toml lacks"
                );
            }
        }
    }
}
