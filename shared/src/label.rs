//! The display language and the bilingual labels of the domain's closed sets.
//!
//! Exports, the command line and the desktop app all show enum values to people; the
//! words live here once, in zh-CN (the default) and English.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum Language {
    #[default]
    #[serde(rename = "zh-CN")]
    ZhCn,
    #[serde(rename = "en")]
    En,
}

/// A value people read: it has a label in each language.
pub trait Labelled {
    fn label(&self, language: Language) -> &'static str;
}

/// Declares a closed set: an enum with its wire name and its two labels per value.
macro_rules! labelled_enum {
    (
        $(#[$meta:meta])*
        pub enum $name:ident {
            $( $(#[$vmeta:meta])* $variant:ident = $wire:literal => ($zh:literal, $en:literal) ),+ $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash,
                 serde::Serialize, serde::Deserialize)]
        #[cfg_attr(feature = "ts", derive(ts_rs::TS))]
        pub enum $name {
            $( $(#[$vmeta])* #[serde(rename = $wire)] $variant ),+
        }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// Every value's wire name, in declaration order.
            pub const WIRE_NAMES: &'static [&'static str] = &[$($wire),+];

            /// The value's name on the wire and in documents.
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $wire),+ }
            }

            /// Reads a value by its wire name.
            pub fn parse(s: &str) -> Option<Self> {
                match s { $($wire => Some($name::$variant),)+ _ => None }
            }

            /// Reads a value as people write it in a file: its wire name, or its label
            /// in either language (English case-insensitively).
            pub fn from_text(s: &str) -> Option<Self> {
                let s = s.trim();
                Self::parse(s).or_else(|| {
                    Self::ALL.iter().copied().find(|v| {
                        use $crate::label::Labelled as _;
                        v.label($crate::label::Language::ZhCn) == s
                            || v.label($crate::label::Language::En).eq_ignore_ascii_case(s)
                    })
                })
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl $crate::label::Labelled for $name {
            fn label(&self, language: $crate::label::Language) -> &'static str {
                match (self, language) {
                    $(
                        ($name::$variant, $crate::label::Language::ZhCn) => $zh,
                        ($name::$variant, $crate::label::Language::En) => $en,
                    )+
                }
            }
        }
    };
}
pub(crate) use labelled_enum;
