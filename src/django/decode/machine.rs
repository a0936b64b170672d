//! The pickle virtual machine, protocols 0–5, minus everything that would run code: globals are
//! recorded by name, REDUCE/NEWOBJ/BUILD are interpreted only for the classes [`super::reduce`]
//! knows, and anything else becomes an opaque object.

use std::collections::HashMap;

use super::arena::{Arena, Id, Node};
use super::raw_int::int_from_decimal;
use super::{DecodeError, Limits, reduce};
use crate::django::bigint::le_signed_to_decimal;
use crate::django::value::PyValue;

/// Unpickle `input` into an owned value.
pub(super) fn unpickle(input: &[u8], limits: &Limits) -> Result<PyValue, DecodeError> {
    unpickle_prefix(input, limits).map(|(v, _)| v)
}

/// Unpickle the first pickle of `input` (up to its STOP opcode), as `pickle.load` does on a
/// stream; also returns how many bytes it took.
pub(super) fn unpickle_prefix(
    input: &[u8],
    limits: &Limits,
) -> Result<(PyValue, usize), DecodeError> {
    let mut vm = Machine {
        input,
        pos: 0,
        op_start: 0,
        limits,
        arena: Arena::new(limits.max_objects),
        stack: Vec::new(),
        marks: Vec::new(),
        memo: HashMap::new(),
    };
    let root = vm.run()?;
    let used = vm.pos;
    Ok((vm.arena.materialize(root, input, limits)?, used))
}

struct Machine<'a> {
    input: &'a [u8],
    pos: usize,
    /// Offset of the opcode being executed, for error messages.
    op_start: usize,
    limits: &'a Limits,
    arena: Arena,
    stack: Vec<Id>,
    /// Stack heights at each MARK (CPython's "metastack").
    marks: Vec<usize>,
    memo: HashMap<u64, Id>,
}

impl Machine<'_> {
    fn malformed(&self, reason: impl Into<String>) -> DecodeError {
        DecodeError::Malformed {
            offset: self.op_start,
            reason: reason.into(),
        }
    }

    fn take(&mut self, n: usize, what: &'static str) -> Result<&[u8], DecodeError> {
        let end = self
            .pos
            .checked_add(n)
            .filter(|&end| end <= self.input.len())
            .ok_or(DecodeError::Truncated {
                offset: self.op_start,
                what,
            })?;
        let bytes = &self.input[self.pos..end];
        self.pos = end;
        Ok(bytes)
    }

    fn take_array<const N: usize>(&mut self, what: &'static str) -> Result<[u8; N], DecodeError> {
        let bytes = self.take(N, what)?;
        let mut out = [0u8; N];
        out.copy_from_slice(bytes);
        Ok(out)
    }

    /// A length prefix of `N` little-endian bytes, checked against what is left of the input
    /// *before* anything is allocated.
    fn take_len<const N: usize>(&mut self, what: &'static str) -> Result<usize, DecodeError> {
        let raw = self.take_array::<N>(what)?;
        let mut wide = [0u8; 8];
        wide[..N].copy_from_slice(&raw);
        let len = u64::from_le_bytes(wide);
        let remaining = (self.input.len() - self.pos) as u64;
        if len > remaining {
            return Err(DecodeError::Truncated {
                offset: self.op_start,
                what,
            });
        }
        Ok(len as usize)
    }

    /// A protocol-0 argument: bytes up to the next newline.
    fn take_line(&mut self, what: &'static str) -> Result<&[u8], DecodeError> {
        let rest = &self.input[self.pos..];
        let nl = rest
            .iter()
            .position(|&b| b == b'\n')
            .ok_or(DecodeError::Truncated {
                offset: self.op_start,
                what,
            })?;
        self.pos += nl + 1;
        Ok(&rest[..nl])
    }

    fn push_node(&mut self, node: Node) -> Result<(), DecodeError> {
        let id = self.arena.push(node, self.op_start)?;
        self.push_id(id)
    }

    fn push_value(&mut self, value: PyValue) -> Result<(), DecodeError> {
        self.push_node(Node::Leaf(value))
    }

    fn push_id(&mut self, id: Id) -> Result<(), DecodeError> {
        if self.stack.len() >= self.limits.max_objects {
            return Err(DecodeError::TooManyObjects {
                limit: self.limits.max_objects,
            });
        }
        self.stack.push(id);
        Ok(())
    }

    fn pop(&mut self) -> Result<Id, DecodeError> {
        if self.stack.len() <= self.marks.last().copied().unwrap_or(0) {
            return Err(
                self.malformed("stack underflow (an opcode needs an object that is not there)")
            );
        }
        Ok(self.stack.pop().expect("length checked above"))
    }

    fn top(&self) -> Result<Id, DecodeError> {
        match self.stack.last() {
            Some(&id) if self.stack.len() > self.marks.last().copied().unwrap_or(0) => Ok(id),
            _ => {
                Err(self.malformed("stack underflow (an opcode needs an object that is not there)"))
            }
        }
    }

    /// Everything pushed since the last MARK, removing the mark.
    fn pop_mark(&mut self) -> Result<Vec<Id>, DecodeError> {
        let height = self
            .marks
            .pop()
            .ok_or_else(|| self.malformed("an opcode needs a MARK that was never pushed"))?;
        Ok(self.stack.split_off(height))
    }

    fn memo_put(&mut self, index: u64) -> Result<(), DecodeError> {
        let id = self.top()?;
        if !self.memo.contains_key(&index) && self.memo.len() >= self.limits.max_memo {
            return Err(DecodeError::MemoTooLarge {
                limit: self.limits.max_memo,
            });
        }
        self.memo.insert(index, id);
        Ok(())
    }

    fn memo_get(&mut self, index: u64) -> Result<(), DecodeError> {
        let id = *self
            .memo
            .get(&index)
            .ok_or_else(|| self.malformed(format!("memo entry {index} was never stored")))?;
        self.push_id(id)
    }

    fn long_value(&self, bytes: &[u8]) -> Result<PyValue, DecodeError> {
        if bytes.len() > self.limits.max_int_bytes {
            return Err(DecodeError::IntTooLarge {
                len: bytes.len(),
                limit: self.limits.max_int_bytes,
                unit: "bytes",
            });
        }
        if bytes.len() <= 8 {
            let fill = if bytes.last().is_some_and(|b| b & 0x80 != 0) {
                0xff
            } else {
                0
            };
            let mut wide = [fill; 8];
            wide[..bytes.len()].copy_from_slice(bytes);
            return Ok(PyValue::Int(i64::from_le_bytes(wide)));
        }
        let text = le_signed_to_decimal(bytes);
        Ok(match text.strip_prefix('-') {
            Some(digits) => int_from_decimal(true, digits),
            None => int_from_decimal(false, &text),
        })
    }

    fn text_int(&self, line: &[u8], long: bool) -> Result<PyValue, DecodeError> {
        let line = if long {
            line.strip_suffix(b"L").unwrap_or(line)
        } else {
            line
        };
        if !long && line == b"00" {
            return Ok(PyValue::Bool(false));
        }
        if !long && line == b"01" {
            return Ok(PyValue::Bool(true));
        }
        let (negative, digits) = match line.first() {
            Some(b'-') => (true, &line[1..]),
            Some(b'+') => (false, &line[1..]),
            _ => (false, line),
        };
        if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
            return Err(self.malformed("INT/LONG argument is not a decimal integer"));
        }
        if digits.len() > self.limits.max_int_digits {
            return Err(DecodeError::IntTooLarge {
                len: digits.len(),
                limit: self.limits.max_int_digits,
                unit: "decimal digits",
            });
        }
        let digits = std::str::from_utf8(digits).expect("checked ASCII digits");
        Ok(int_from_decimal(negative, digits))
    }

    fn global(&mut self, module: String, name: String) -> Result<(), DecodeError> {
        let (module, name) = reduce::modern_name(module, name);
        let offset = self.op_start;
        self.push_node(Node::Global {
            module,
            name,
            offset,
        })
    }

    fn utf8_line(&mut self, what: &'static str) -> Result<String, DecodeError> {
        let line = self.take_line(what)?.to_vec();
        String::from_utf8(line).map_err(|_| self.malformed(format!("{what} is not UTF-8")))
    }

    fn run(&mut self) -> Result<Id, DecodeError> {
        loop {
            self.op_start = self.pos;
            let Some(&opcode) = self.input.get(self.pos) else {
                return Err(DecodeError::NoStop);
            };
            self.pos += 1;
            match opcode {
                // Framing and protocol.
                0x80 => {
                    let [proto] = self.take_array::<1>("PROTO")?;
                    if proto > 5 {
                        return Err(DecodeError::Protocol(proto));
                    }
                }
                0x95 => {
                    // FRAME only groups opcodes for buffered reading; the length must fit.
                    self.take_len::<8>("FRAME")?;
                }
                b'.' => return self.pop(),

                // Stack and memo.
                b'(' => {
                    if self.marks.len() >= self.limits.max_objects {
                        return Err(DecodeError::TooManyObjects {
                            limit: self.limits.max_objects,
                        });
                    }
                    self.marks.push(self.stack.len());
                }
                b'0' => {
                    if self.stack.len() > self.marks.last().copied().unwrap_or(0) {
                        self.stack.pop();
                    } else {
                        self.pop_mark()?;
                    }
                }
                b'1' => {
                    self.pop_mark()?;
                }
                b'2' => {
                    let id = self.top()?;
                    self.push_id(id)?;
                }
                0x94 => {
                    let index = self.memo.len() as u64;
                    self.memo_put(index)?;
                }
                b'q' => {
                    let [i] = self.take_array::<1>("BINPUT")?;
                    self.memo_put(u64::from(i))?;
                }
                b'r' => {
                    let i = u32::from_le_bytes(self.take_array::<4>("LONG_BINPUT")?);
                    self.memo_put(u64::from(i))?;
                }
                b'p' => {
                    let i = self.text_index("PUT")?;
                    self.memo_put(i)?;
                }
                b'h' => {
                    let [i] = self.take_array::<1>("BINGET")?;
                    self.memo_get(u64::from(i))?;
                }
                b'j' => {
                    let i = u32::from_le_bytes(self.take_array::<4>("LONG_BINGET")?);
                    self.memo_get(u64::from(i))?;
                }
                b'g' => {
                    let i = self.text_index("GET")?;
                    self.memo_get(i)?;
                }

                // Scalars.
                b'N' => self.push_value(PyValue::None)?,
                0x88 => self.push_value(PyValue::Bool(true))?,
                0x89 => self.push_value(PyValue::Bool(false))?,
                b'K' => {
                    let [b] = self.take_array::<1>("BININT1")?;
                    self.push_value(PyValue::Int(i64::from(b)))?;
                }
                b'M' => {
                    let v = u16::from_le_bytes(self.take_array::<2>("BININT2")?);
                    self.push_value(PyValue::Int(i64::from(v)))?;
                }
                b'J' => {
                    let v = i32::from_le_bytes(self.take_array::<4>("BININT")?);
                    self.push_value(PyValue::Int(i64::from(v)))?;
                }
                0x8a => {
                    let n = self.take_len::<1>("LONG1")?;
                    let bytes = self.take(n, "LONG1")?.to_vec();
                    let v = self.long_value(&bytes)?;
                    self.push_value(v)?;
                }
                0x8b => {
                    let n = i32::from_le_bytes(self.take_array::<4>("LONG4")?);
                    let n = usize::try_from(n)
                        .map_err(|_| self.malformed("LONG4 with a negative length"))?;
                    if n > self.limits.max_int_bytes {
                        return Err(DecodeError::IntTooLarge {
                            len: n,
                            limit: self.limits.max_int_bytes,
                            unit: "bytes",
                        });
                    }
                    let bytes = self.take(n, "LONG4")?.to_vec();
                    let v = self.long_value(&bytes)?;
                    self.push_value(v)?;
                }
                b'I' => {
                    let line = self.take_line("INT")?.to_vec();
                    let v = self.text_int(&line, false)?;
                    self.push_value(v)?;
                }
                b'L' => {
                    let line = self.take_line("LONG")?.to_vec();
                    let v = self.text_int(&line, true)?;
                    self.push_value(v)?;
                }
                b'G' => {
                    let v = f64::from_be_bytes(self.take_array::<8>("BINFLOAT")?);
                    self.push_value(PyValue::Float(v))?;
                }
                b'F' => {
                    let line = self.take_line("FLOAT")?;
                    let v = std::str::from_utf8(line)
                        .ok()
                        .and_then(|s| s.trim().parse::<f64>().ok())
                        .ok_or_else(|| self.malformed("FLOAT argument is not a number"))?;
                    self.push_value(PyValue::Float(v))?;
                }

                // Text and bytes.
                0x8c => {
                    let n = self.take_len::<1>("SHORT_BINUNICODE")?;
                    let v = str_value(self.take(n, "SHORT_BINUNICODE")?);
                    self.push_value(v)?;
                }
                b'X' => {
                    let n = self.take_len::<4>("BINUNICODE")?;
                    let v = str_value(self.take(n, "BINUNICODE")?);
                    self.push_value(v)?;
                }
                0x8d => {
                    let n = self.take_len::<8>("BINUNICODE8")?;
                    let v = str_value(self.take(n, "BINUNICODE8")?);
                    self.push_value(v)?;
                }
                b'V' => {
                    let line = self.take_line("UNICODE")?.to_vec();
                    let v = raw_unicode_escape(&line)
                        .ok_or_else(|| self.malformed("bad \\u escape in UNICODE"))?;
                    self.push_value(PyValue::Str(v))?;
                }
                b'U' => {
                    let n = self.take_len::<1>("SHORT_BINSTRING")?;
                    let v = self.py2_str(n, "SHORT_BINSTRING")?;
                    self.push_value(v)?;
                }
                b'T' => {
                    let n = i32::from_le_bytes(self.take_array::<4>("BINSTRING")?);
                    let n = usize::try_from(n)
                        .map_err(|_| self.malformed("BINSTRING with a negative length"))?;
                    let v = self.py2_str(n, "BINSTRING")?;
                    self.push_value(v)?;
                }
                b'S' => {
                    return Err(DecodeError::UnsupportedFeature {
                        offset: self.op_start,
                        feature: "protocol-0 quoted strings (STRING)",
                    });
                }
                b'C' => {
                    let n = self.take_len::<1>("SHORT_BINBYTES")?;
                    let v = self.take(n, "SHORT_BINBYTES")?.to_vec();
                    self.push_value(PyValue::Bytes(v))?;
                }
                b'B' => {
                    let n = self.take_len::<4>("BINBYTES")?;
                    let v = self.take(n, "BINBYTES")?.to_vec();
                    self.push_value(PyValue::Bytes(v))?;
                }
                0x8e => {
                    let n = self.take_len::<8>("BINBYTES8")?;
                    let v = self.take(n, "BINBYTES8")?.to_vec();
                    self.push_value(PyValue::Bytes(v))?;
                }
                0x96 => {
                    let n = self.take_len::<8>("BYTEARRAY8")?;
                    let v = self.take(n, "BYTEARRAY8")?.to_vec();
                    self.push_value(PyValue::ByteArray(v))?;
                }

                // Containers.
                b']' => self.push_node(Node::List(Vec::new()))?,
                b'l' => {
                    let items = self.pop_mark()?;
                    self.push_node(Node::List(items))?;
                }
                b'a' => {
                    let item = self.pop()?;
                    self.append(vec![item])?;
                }
                b'e' => {
                    let items = self.pop_mark()?;
                    self.append(items)?;
                }
                b')' => self.push_node(Node::Tuple(Vec::new()))?,
                b't' => {
                    let items = self.pop_mark()?;
                    self.push_node(Node::Tuple(items))?;
                }
                0x85..=0x87 => {
                    let n = usize::from(opcode - 0x84);
                    if self.stack.len() < self.marks.last().copied().unwrap_or(0) + n {
                        return Err(self.malformed("TUPLE1/2/3 without enough items on the stack"));
                    }
                    let items = self.stack.split_off(self.stack.len() - n);
                    self.push_node(Node::Tuple(items))?;
                }
                b'}' => self.push_node(Node::Dict(Vec::new()))?,
                b'd' => {
                    let items = self.pop_mark()?;
                    let id = self.arena.push(Node::Dict(Vec::new()), self.op_start)?;
                    self.set_items(id, items)?;
                    self.push_id(id)?;
                }
                b's' => {
                    let value = self.pop()?;
                    let key = self.pop()?;
                    let target = self.top()?;
                    self.set_items(target, vec![key, value])?;
                }
                b'u' => {
                    let items = self.pop_mark()?;
                    let target = self.top()?;
                    self.set_items(target, items)?;
                }
                0x8f => self.push_node(Node::Set(Vec::new()))?,
                0x90 => {
                    let items = self.pop_mark()?;
                    let target = self.top()?;
                    self.check_hashable(&items)?;
                    match self.arena.get_mut(target) {
                        Node::Set(existing) => existing.extend(items),
                        Node::Opaque { .. } => {}
                        other => {
                            let name = other.type_name();
                            return Err(self.malformed(format!("ADDITEMS on a {name}")));
                        }
                    }
                }
                0x91 => {
                    let items = self.pop_mark()?;
                    self.check_hashable(&items)?;
                    self.push_node(Node::FrozenSet(items))?;
                }

                // Globals and object construction: named, never resolved or called.
                b'c' => {
                    let module = self.utf8_line("GLOBAL module")?;
                    let name = self.utf8_line("GLOBAL name")?;
                    self.global(module, name)?;
                }
                0x93 => {
                    let name = self.pop()?;
                    let module_id = self.pop()?;
                    let (Node::Leaf(PyValue::Str(module)), Node::Leaf(PyValue::Str(name))) =
                        (self.arena.get(module_id), self.arena.get(name))
                    else {
                        return Err(self.malformed("STACK_GLOBAL needs two strings"));
                    };
                    let (module, name) = (module.clone(), name.clone());
                    // Point previews at the module string, where the reference begins.
                    self.op_start = self.arena.start_of(module_id);
                    self.global(module, name)?;
                }
                b'R' => {
                    let args = self.pop()?;
                    let callable = self.pop()?;
                    let node = reduce::reduce(&self.arena, callable, args, self.op_start, self.pos)
                        .map_err(|reason| self.malformed(reason))?;
                    self.push_node(node)?;
                }
                0x81 => {
                    let _args = self.pop()?;
                    let class = self.pop()?;
                    let node = self.instance_of(class, "NEWOBJ")?;
                    self.push_node(node)?;
                }
                0x92 => {
                    let _kwargs = self.pop()?;
                    let _args = self.pop()?;
                    let class = self.pop()?;
                    let node = self.instance_of(class, "NEWOBJ_EX")?;
                    self.push_node(node)?;
                }
                b'i' => {
                    let module = self.utf8_line("INST module")?;
                    let name = self.utf8_line("INST name")?;
                    self.pop_mark()?;
                    let (module, name) = reduce::modern_name(module, name);
                    let start = self.op_start;
                    self.push_node(Node::Opaque {
                        class: format!("{module}.{name}"),
                        start,
                        end: self.pos,
                    })?;
                }
                b'o' => {
                    let mut items = self.pop_mark()?.into_iter();
                    let class = items
                        .next()
                        .ok_or_else(|| self.malformed("OBJ without a class"))?;
                    let node = self.instance_of(class, "OBJ")?;
                    self.push_node(node)?;
                }
                b'b' => {
                    let _state = self.pop()?;
                    let target = self.top()?;
                    let pos = self.pos;
                    match self.arena.get_mut(target) {
                        // Setting state on an unknown object: nothing of it is modelled.
                        Node::Opaque { end, .. } => *end = pos,
                        // An exception's __dict__ (attributes, `__notes__`): not part of
                        // its repr, so not shown.
                        Node::Exception { .. } => {}
                        other => {
                            let name = other.type_name();
                            return Err(self.malformed(format!(
                                "BUILD on a {name}, which has no state to set"
                            )));
                        }
                    }
                }
                b'P' | b'Q' => {
                    return Err(DecodeError::UnsupportedFeature {
                        offset: self.op_start,
                        feature: "persistent IDs",
                    });
                }
                0x82..=0x84 => {
                    return Err(DecodeError::UnsupportedFeature {
                        offset: self.op_start,
                        feature: "the copyreg extension registry",
                    });
                }
                0x97 => {
                    return Err(DecodeError::UnsupportedFeature {
                        offset: self.op_start,
                        feature: "out-of-band buffers",
                    });
                }
                0x98 => {
                    // READONLY_BUFFER only changes mutability of a buffer already on the stack.
                    let top = self.top()?;
                    if !matches!(
                        self.arena.get(top),
                        Node::Leaf(PyValue::Bytes(_) | PyValue::ByteArray(_))
                    ) {
                        return Err(
                            self.malformed("READONLY_BUFFER on something that is not a buffer")
                        );
                    }
                }
                _ => {
                    return Err(DecodeError::UnknownOpcode {
                        opcode,
                        offset: self.op_start,
                    });
                }
            }
        }
    }

    fn text_index(&mut self, what: &'static str) -> Result<u64, DecodeError> {
        let line = self.take_line(what)?;
        std::str::from_utf8(line)
            .ok()
            .and_then(|s| s.parse::<u64>().ok())
            .ok_or_else(|| self.malformed(format!("{what} index is not a number")))
    }

    /// Python 2 `str` read the way `pickle.loads` does by default (ASCII).
    fn py2_str(&mut self, n: usize, what: &'static str) -> Result<PyValue, DecodeError> {
        let bytes = self.take(n, what)?;
        if !bytes.is_ascii() {
            return Err(self.malformed(format!("{what} holds non-ASCII Python 2 text")));
        }
        Ok(PyValue::Str(String::from_utf8_lossy(bytes).into_owned()))
    }

    fn append(&mut self, items: Vec<Id>) -> Result<(), DecodeError> {
        let target = self.top()?;
        match self.arena.get_mut(target) {
            Node::List(existing) => existing.extend(items),
            // An unknown list-like class (e.g. a list subclass): its items are not modelled.
            Node::Opaque { .. } => {}
            other => {
                let name = other.type_name();
                return Err(self.malformed(format!("APPEND(S) on a {name}")));
            }
        }
        Ok(())
    }

    fn check_hashable(&self, ids: &[Id]) -> Result<(), DecodeError> {
        if let Some(&bad) = ids.iter().find(|&&id| self.arena.get(id).is_unhashable()) {
            let name = self.arena.get(bad).type_name();
            return Err(self.malformed(format!(
                "unhashable {name} used as a dict key or set member"
            )));
        }
        Ok(())
    }

    fn set_items(&mut self, target: Id, items: Vec<Id>) -> Result<(), DecodeError> {
        if !items.len().is_multiple_of(2) {
            return Err(self.malformed("SETITEMS with an odd number of items"));
        }
        let keys: Vec<Id> = items.iter().step_by(2).copied().collect();
        self.check_hashable(&keys)?;
        match self.arena.get_mut(target) {
            Node::Dict(existing) => {
                existing.extend(items.chunks_exact(2).map(|pair| (pair[0], pair[1])));
            }
            Node::Opaque { .. } => {}
            other => {
                let name = other.type_name();
                return Err(self.malformed(format!("SETITEM(S) on a {name}")));
            }
        }
        Ok(())
    }

    /// NEWOBJ/NEWOBJ_EX/OBJ create an instance of a class without running anything we could
    /// model, so the result is always opaque.
    fn instance_of(&self, class: Id, what: &str) -> Result<Node, DecodeError> {
        match self.arena.get(class) {
            Node::Global {
                module,
                name,
                offset,
            } => Ok(Node::Opaque {
                class: format!("{module}.{name}"),
                start: *offset,
                end: self.pos,
            }),
            Node::Opaque { class, start, .. } => Ok(Node::Opaque {
                class: class.clone(),
                start: *start,
                end: self.pos,
            }),
            other => Err(self.malformed(format!(
                "{what} with a {} instead of a class",
                other.type_name()
            ))),
        }
    }
}

/// Python's `raw-unicode-escape` codec: bytes are Latin-1 except `\uXXXX` and `\UXXXXXXXX`.
fn raw_unicode_escape(bytes: &[u8]) -> Option<String> {
    let mut out = String::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        let width = match (b, bytes.get(i + 1)) {
            (b'\\', Some(b'u')) => 4,
            (b'\\', Some(b'U')) => 8,
            _ => 0,
        };
        if width == 0 {
            out.push(char::from(b));
            i += 1;
            continue;
        }
        let hex = bytes.get(i + 2..i + 2 + width)?;
        let code = u32::from_str_radix(std::str::from_utf8(hex).ok()?, 16).ok()?;
        out.push(char::from_u32(code).unwrap_or(char::REPLACEMENT_CHARACTER));
        i += 2 + width;
    }
    Some(out)
}

/// Python pickles str with "surrogatepass"; lone surrogates are not valid UTF-8 and are shown
/// as U+FFFD rather than refused.
fn str_value(bytes: &[u8]) -> PyValue {
    PyValue::Str(String::from_utf8_lossy(bytes).into_owned())
}
