//! Signature help: the overloads of the module function whose arguments
//! the cursor is in, with the parameter being typed.
//!
//! Like completion, it reads the text ([`context::enclosing_call`]), since
//! a call being typed (`pe.imports("k.dll", `) does not parse; the
//! overloads come from the module's declaration ([`members`]).

use lsp_types::{
    Documentation, MarkupContent, MarkupKind, ParameterInformation, ParameterLabel, Position,
    SignatureHelp, SignatureInformation,
};

use super::documents::Document;
use super::position::to_u32;
use super::{context, members};

/// The signatures of the call around `position`, if it calls a module
/// function. The active signature is the first overload with a
/// parameter at the active position.
#[must_use]
pub fn signature_help(doc: &Document, position: Position) -> Option<SignatureHelp> {
    let offset = doc.offset(position)?;
    let text = doc.text();
    let (paren, argument) = context::enclosing_call(text, offset)?;
    let callee_end = text.get(..paren)?.trim_end().len();
    let path = context::dotted_path_ending_at(text, callee_end)?;
    let described = members::describe(&path.segments)?;
    let overloads = described.overloads();
    if overloads.is_empty() {
        return None;
    }
    let documentation = (!described.doc.is_empty()).then(|| {
        Documentation::MarkupContent(MarkupContent {
            kind: MarkupKind::Markdown,
            value: described.doc.split_whitespace().collect::<Vec<_>>().join(" "),
        })
    });
    let active = overloads.iter().position(|o| o.params.len() > argument).unwrap_or(0);
    let signatures = overloads
        .into_iter()
        .map(|o| {
            // Offsets count UTF-16 units; labels are ASCII, but say so.
            let units = |byte: usize| to_u32(o.label[..byte].encode_utf16().count());
            let parameters = o
                .params
                .iter()
                .map(|p| ParameterInformation {
                    label: ParameterLabel::LabelOffsets([units(p.start), units(p.end)]),
                    documentation: None,
                })
                .collect();
            SignatureInformation {
                label: o.label,
                documentation: documentation.clone(),
                parameters: Some(parameters),
                active_parameter: None,
            }
        })
        .collect();
    Some(SignatureHelp {
        signatures,
        active_signature: Some(to_u32(active)),
        active_parameter: Some(to_u32(argument)),
    })
}
