//! The unpickler's object graph. Pickle has reference semantics (the memo hands out the *same*
//! list that later APPENDS fill), so objects live in an arena addressed by [`Id`] and are only
//! turned into an owned [`PyValue`] tree once the pickle has been fully read.

use std::collections::HashMap;
use std::collections::hash_map::Entry;

use super::{DecodeError, Limits};
use crate::django::value::{PyTz, PyValue};

pub(super) type Id = usize;

/// One object as the unpickler sees it.
#[derive(Debug)]
pub(super) enum Node {
    Leaf(PyValue),
    List(Vec<Id>),
    Tuple(Vec<Id>),
    Dict(Vec<(Id, Id)>),
    Set(Vec<Id>),
    FrozenSet(Vec<Id>),
    /// A class or function named by GLOBAL/STACK_GLOBAL; never resolved, only named.
    Global {
        module: String,
        name: String,
        offset: usize,
    },
    /// `getattr(zoneinfo.ZoneInfo, "_unpickle")`, the only getattr we recognise.
    ZoneInfoUnpickle,
    Tz(PyTz),
    /// An exception: its class (`module.Name`) called with `args` (see [`PyValue::Exception`]).
    Exception {
        class: String,
        args: Vec<Id>,
    },
    /// An instance of a class we do not model; `start..end` is where it sits in the input.
    Opaque {
        class: String,
        start: usize,
        end: usize,
    },
}

impl Node {
    /// The Python type name, for error messages.
    pub(super) fn type_name(&self) -> &'static str {
        match self {
            Node::Leaf(v) => match v {
                PyValue::None => "None",
                PyValue::Bool(_) => "bool",
                PyValue::Int(_) | PyValue::BigInt(_) => "int",
                PyValue::Float(_) => "float",
                PyValue::Str(_) => "str",
                PyValue::Bytes(_) => "bytes",
                PyValue::ByteArray(_) => "bytearray",
                PyValue::Decimal(_) => "Decimal",
                PyValue::Date { .. } => "date",
                PyValue::TimeDelta { .. } => "timedelta",
                PyValue::DateTime(_) => "datetime",
                _ => "object",
            },
            Node::List(_) => "list",
            Node::Tuple(_) => "tuple",
            Node::Dict(_) => "dict",
            Node::Set(_) => "set",
            Node::FrozenSet(_) => "frozenset",
            Node::Global { .. } => "global",
            Node::ZoneInfoUnpickle => "ZoneInfo._unpickle",
            Node::Tz(_) => "tzinfo",
            Node::Exception { .. } => "exception",
            Node::Opaque { .. } => "object",
        }
    }

    /// Python refuses these as dict keys and set members; so do we.
    pub(super) fn is_unhashable(&self) -> bool {
        matches!(
            self,
            Node::List(_) | Node::Dict(_) | Node::Set(_) | Node::Leaf(PyValue::ByteArray(_))
        )
    }
}

/// Nodes plus the bookkeeping that keeps their number bounded.
pub(super) struct Arena {
    nodes: Vec<Node>,
    /// Input offset of the opcode that created each node.
    starts: Vec<usize>,
    max: usize,
}

impl Arena {
    pub(super) fn new(max: usize) -> Self {
        Arena {
            nodes: Vec::new(),
            starts: Vec::new(),
            max,
        }
    }

    pub(super) fn push(&mut self, node: Node, start: usize) -> Result<Id, DecodeError> {
        if self.nodes.len() >= self.max {
            return Err(DecodeError::TooManyObjects { limit: self.max });
        }
        self.nodes.push(node);
        self.starts.push(start);
        Ok(self.nodes.len() - 1)
    }

    pub(super) fn start_of(&self, id: Id) -> usize {
        self.starts[id]
    }

    pub(super) fn get(&self, id: Id) -> &Node {
        &self.nodes[id]
    }

    pub(super) fn get_mut(&mut self, id: Id) -> &mut Node {
        &mut self.nodes[id]
    }

    /// The owned tree rooted at `root`, with shared references copied out under the
    /// expansion limits and cycles reported instead of followed.
    pub(super) fn materialize(
        &self,
        root: Id,
        input: &[u8],
        limits: &Limits,
    ) -> Result<PyValue, DecodeError> {
        let mut walk = Walk {
            arena: self,
            input,
            limits,
            items_left: limits.max_expanded_items,
            bytes_left: limits.max_expanded_bytes,
            on_path: vec![false; self.nodes.len()],
        };
        if self.could_nest_deeper_than(SHALLOW) {
            // The walk recurses once per level and a debug build spends kilobytes per
            // frame: a value as deep as Django writes (~1000 tuples) would overflow the
            // 2 MiB stack of a tokio worker. Deep values get a thread with room to spare.
            return std::thread::scope(|s| {
                std::thread::Builder::new()
                    .name("decode-deep".into())
                    .stack_size(DEEP_STACK_BYTES)
                    .spawn_scoped(s, || walk.value(root, 0))
                    // No thread to be had: refuse the deep walk rather than risk the stack.
                    .map_err(|_| DecodeError::TooDeep { limit: SHALLOW })?
                    .join()
                    .unwrap_or(Err(DecodeError::TooDeep {
                        limit: limits.max_depth,
                    }))
            });
        }
        walk.value(root, 0)
    }

    /// Whether the walk could recurse more than `levels` deep: nesting (even
    /// through a loop, which the walk stops at) never exceeds the number of containers.
    fn could_nest_deeper_than(&self, levels: usize) -> bool {
        self.nodes
            .iter()
            .filter(|n| {
                matches!(
                    n,
                    Node::List(_)
                        | Node::Tuple(_)
                        | Node::Dict(_)
                        | Node::Set(_)
                        | Node::FrozenSet(_)
                        | Node::Exception { .. }
                )
            })
            .nth(levels)
            .is_some()
    }
}

/// Containers up to which the walk runs on the caller's stack.
const SHALLOW: usize = 128;
/// Stack for walking deeper values: far more than [`Limits::max_depth`] levels need.
const DEEP_STACK_BYTES: usize = 64 * 1024 * 1024;

struct Walk<'a> {
    arena: &'a Arena,
    input: &'a [u8],
    limits: &'a Limits,
    items_left: usize,
    bytes_left: usize,
    on_path: Vec<bool>,
}

/// How much of an unsupported object's pickle bytes is kept for a person to look at.
const PREVIEW_BYTES: usize = 48;

impl Walk<'_> {
    fn spend(&mut self, payload: usize) -> Result<(), DecodeError> {
        if self.items_left == 0 {
            return Err(DecodeError::ExpandsTooMuch {
                limit: self.limits.max_expanded_items,
                unit: "items",
            });
        }
        self.items_left -= 1;
        if payload > self.bytes_left {
            return Err(DecodeError::ExpandsTooMuch {
                limit: self.limits.max_expanded_bytes,
                unit: "bytes of text",
            });
        }
        self.bytes_left -= payload;
        Ok(())
    }

    fn value(&mut self, id: Id, depth: usize) -> Result<PyValue, DecodeError> {
        if depth > self.limits.max_depth {
            return Err(DecodeError::TooDeep {
                limit: self.limits.max_depth,
            });
        }
        if self.on_path[id] {
            return Err(DecodeError::Recursive);
        }
        let node = self.arena.get(id);
        let payload = match node {
            Node::Leaf(PyValue::Str(s)) => s.len(),
            Node::Leaf(PyValue::Bytes(b) | PyValue::ByteArray(b)) => b.len(),
            Node::Leaf(PyValue::BigInt(s) | PyValue::Decimal(s)) => s.len(),
            _ => 0,
        };
        self.spend(payload)?;
        self.on_path[id] = true;
        let result = match node {
            Node::Leaf(v) => Ok(v.clone()),
            Node::List(items) => self.items(items, depth).map(PyValue::List),
            Node::Tuple(items) => self.items(items, depth).map(PyValue::Tuple),
            Node::Set(items) => self.items(items, depth).map(PyValue::Set),
            Node::FrozenSet(items) => self.items(items, depth).map(PyValue::FrozenSet),
            Node::Dict(pairs) => {
                let mut out: Vec<(PyValue, PyValue)> =
                    Vec::with_capacity(pairs.len().min(self.items_left));
                // SETITEM on an existing key replaces the value in place, as in Python; a
                // hand-made pickle must not show a dict with the same key twice.
                let mut seen: HashMap<String, usize> = HashMap::new();
                for &(k, v) in pairs {
                    let key = self.value(k, depth + 1)?;
                    let value = self.value(v, depth + 1)?;
                    match seen.entry(key.to_json().to_string()) {
                        Entry::Occupied(slot) => out[*slot.get()].1 = value,
                        Entry::Vacant(slot) => {
                            slot.insert(out.len());
                            out.push((key, value));
                        }
                    }
                }
                Ok(PyValue::Dict(out))
            }
            Node::Global {
                module,
                name,
                offset,
            } => Ok(self.unsupported(format!("{module}.{name}"), *offset, *offset + 1)),
            Node::ZoneInfoUnpickle => {
                Ok(self.unsupported("zoneinfo.ZoneInfo._unpickle".to_string(), 0, 0))
            }
            Node::Tz(tz) => Ok(self.unsupported(tz_class(tz), 0, 0)),
            Node::Exception { class, args } => {
                self.items(args, depth).map(|args| PyValue::Exception {
                    class: class.clone(),
                    args,
                })
            }
            Node::Opaque { class, start, end } => Ok(self.unsupported(class.clone(), *start, *end)),
        };
        self.on_path[id] = false;
        result
    }

    fn items(&mut self, ids: &[Id], depth: usize) -> Result<Vec<PyValue>, DecodeError> {
        let mut out = Vec::with_capacity(ids.len().min(self.items_left));
        for &id in ids {
            out.push(self.value(id, depth + 1)?);
        }
        Ok(out)
    }

    fn unsupported(&self, class: String, start: usize, end: usize) -> PyValue {
        let end = end.min(self.input.len());
        let start = start.min(end);
        let slice = &self.input[start..end];
        let shown = &slice[..slice.len().min(PREVIEW_BYTES)];
        let mut preview_hex: String = shown.iter().map(|b| format!("{b:02x}")).collect();
        if slice.len() > shown.len() {
            preview_hex.push('…');
        }
        PyValue::Unsupported { class, preview_hex }
    }
}

fn tz_class(tz: &PyTz) -> String {
    match tz {
        PyTz::Fixed { .. } | PyTz::FixedMicros { .. } => "datetime.timezone".into(),
        PyTz::ZoneInfo { .. } => "zoneinfo.ZoneInfo".into(),
        PyTz::Pytz { .. } | PyTz::PytzStatic { .. } => "pytz.tzinfo".into(),
        PyTz::PytzUtc => "pytz.UTC".into(),
        PyTz::Other { class } => class.clone(),
    }
}
