"""Writes the API reference in docs/api/ from the proto sources and their comments.

One Markdown page per package (``docs/api/<service>.md``, plus ``common.md``) lists every RPC with the
fields of its request and response, then every other message and enum of the package. The comments come
from a FileDescriptorSet built with source info, so the proto files stay the single source of truth.

Usage::

    python infra/scripts/protodoc.py            # (re)write docs/api
    python infra/scripts/protodoc.py --check    # exit 1 when docs/api is stale
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from collections.abc import Iterator
from importlib import resources
from pathlib import Path

from google.protobuf import descriptor_pb2
from grpc_tools import protoc

ROOT = Path(__file__).resolve().parents[2]
PROTO_ROOT = ROOT / "proto"
DOCS_DIR = ROOT / "docs" / "api"

# Field numbers of FileDescriptorProto, DescriptorProto, ServiceDescriptorProto and
# EnumDescriptorProto used in SourceCodeInfo location paths.
FILE_MESSAGE, FILE_ENUM, FILE_SERVICE = 4, 5, 6
MESSAGE_FIELD, MESSAGE_NESTED, MESSAGE_ENUM, MESSAGE_ONEOF = 2, 3, 4, 8
SERVICE_METHOD = 2
ENUM_VALUE = 2

LocationPath = tuple[int, ...]


def proto_files(proto_root: Path = PROTO_ROOT) -> list[str]:
    """Paths, relative to ``proto_root``, of every Loom proto file, sorted."""
    return sorted(p.relative_to(proto_root).as_posix() for p in (proto_root / "loom").rglob("*.proto"))


def build_descriptor_set(out_dir: Path, proto_root: Path = PROTO_ROOT) -> descriptor_pb2.FileDescriptorSet:
    """Compile every Loom proto into a FileDescriptorSet with source info, written under ``out_dir``."""
    out = out_dir / "loom.pb"
    well_known = resources.files("grpc_tools") / "_proto"
    args = [
        "protoc",
        f"-I{proto_root}",
        f"-I{well_known}",
        "--include_source_info",
        "--include_imports",
        f"--descriptor_set_out={out}",
        *proto_files(proto_root),
    ]
    if protoc.main(args) != 0:
        raise RuntimeError(f"protoc failed on {proto_root}")
    return descriptor_pb2.FileDescriptorSet.FromString(out.read_bytes())


def comments_by_path(file: descriptor_pb2.FileDescriptorProto) -> dict[LocationPath, str]:
    """Leading comment of every element of ``file``, keyed by its source location path."""
    return {
        tuple(loc.path): loc.leading_comments.strip()
        for loc in file.source_code_info.location
        if loc.leading_comments.strip()
    }


def _cell(text: str) -> str:
    """A comment flattened into one Markdown table cell."""
    return " ".join(line.strip() for line in text.splitlines()).replace("|", "\\|")


def _paragraph(text: str) -> str:
    return " ".join(line.strip() for line in text.splitlines())


class PackageDoc:
    """Renders the Markdown page of one proto file."""

    def __init__(self, file: descriptor_pb2.FileDescriptorProto) -> None:
        self.file = file
        self.comments = comments_by_path(file)
        self.package = file.package
        # Map entry types are shown as map<k, v> rather than as messages of their own.
        self.map_entries: dict[str, descriptor_pb2.DescriptorProto] = {}
        for message, _ in self._messages():
            for nested in message.nested_type:
                if nested.options.map_entry:
                    self.map_entries[f".{self.package}.{message.name}.{nested.name}"] = nested

    @staticmethod
    def page_name(package: str) -> str:
        """File name of a package's page: ``loom.consent.v1`` -> ``consent.md``."""
        return f"{package.split('.')[1]}.md"

    def _messages(self) -> Iterator[tuple[descriptor_pb2.DescriptorProto, LocationPath]]:
        for i, message in enumerate(self.file.message_type):
            yield message, (FILE_MESSAGE, i)

    def _type_ref(self, type_name: str) -> str:
        """A field's message or enum type as Markdown, linked when it is a Loom type."""
        if type_name in self.map_entries:
            entry = self.map_entries[type_name]
            key, value = (self._scalar_or_ref(f) for f in entry.field[:2])
            if key.startswith("`") and value.startswith("`"):
                return f"`map<{key.strip('`')}, {value.strip('`')}>`"
            return f"map<{key}, {value}>"
        name = type_name.lstrip(".")
        if name.startswith(self.package + "."):
            short = name[len(self.package) + 1 :]
            return f"[{short}](#{short.lower()})"
        if name.startswith("loom."):
            package, _, short = name.rpartition(".")
            return f"[{name}]({self.page_name(package)}#{short.lower()})"
        return f"`{name}`"

    def _scalar_or_ref(self, field: descriptor_pb2.FieldDescriptorProto) -> str:
        if field.type_name:
            return self._type_ref(field.type_name)
        scalar = descriptor_pb2.FieldDescriptorProto.Type.Name(field.type)
        return f"`{scalar.removeprefix('TYPE_').lower()}`"

    def _field_type(self, field: descriptor_pb2.FieldDescriptorProto) -> str:
        rendered = self._scalar_or_ref(field)
        if field.type_name in self.map_entries:
            return rendered
        if field.label == descriptor_pb2.FieldDescriptorProto.LABEL_REPEATED:
            return f"repeated {rendered}"
        if field.proto3_optional:
            return f"optional {rendered}"
        return rendered

    def _field_table(self, message: descriptor_pb2.DescriptorProto, path: LocationPath) -> list[str]:
        if not message.field:
            return ["No fields.", ""]
        lines = ["| Field | Type | Description |", "|---|---|---|"]
        for j, field in enumerate(message.field):
            comment = _cell(self.comments.get((*path, MESSAGE_FIELD, j), ""))
            if field.HasField("oneof_index") and not field.proto3_optional:
                oneof = message.oneof_decl[field.oneof_index].name
                comment = f"One of `{oneof}`. {comment}"
            lines.append(f"| `{field.name}` | {self._field_type(field)} | {comment} |")
        return [*lines, ""]

    def _message_section(self, message: descriptor_pb2.DescriptorProto, path: LocationPath, level: str) -> list[str]:
        lines = [f"{level} {message.name}", ""]
        comment = self.comments.get(path, "")
        if comment:
            lines += [_paragraph(comment), ""]
        return lines + self._field_table(message, path)

    def _enum_section(self, enum: descriptor_pb2.EnumDescriptorProto, path: LocationPath) -> list[str]:
        lines = [f"### {enum.name}", "", _paragraph(self.comments.get(path, "")), ""]
        lines += ["| Value | Number | Description |", "|---|---|---|"]
        for j, value in enumerate(enum.value):
            comment = _cell(self.comments.get((*path, ENUM_VALUE, j), ""))
            lines.append(f"| `{value.name}` | {value.number} | {comment} |")
        return [*lines, ""]

    def render(self) -> str:
        """The whole page."""
        lines = [
            f"# {self.package}",
            "",
            f"Generated from `proto/{self.file.name}` by `infra/scripts/protodoc.py`; edit the proto, not this file.",
            "",
        ]
        package_comment = self.comments.get((2,), "")
        if package_comment:
            lines += [_paragraph(package_comment), ""]
        by_name = {m.name: (m, path) for m, path in self._messages()}
        documented: set[str] = set()
        for s, service in enumerate(self.file.service):
            lines += [f"## {service.name}", "", _paragraph(self.comments.get((FILE_SERVICE, s), "")), ""]
            lines += ["| RPC | Request | Response | Description |", "|---|---|---|---|"]
            for m, method in enumerate(service.method):
                comment = _cell(self.comments.get((FILE_SERVICE, s, SERVICE_METHOD, m), ""))
                request = ("stream " if method.client_streaming else "") + self._type_ref(method.input_type)
                response = ("stream " if method.server_streaming else "") + self._type_ref(method.output_type)
                lines.append(f"| [{method.name}](#{method.name.lower()}) | {request} | {response} | {comment} |")
            lines.append("")
            for m, method in enumerate(service.method):
                lines += [f"## {method.name}", ""]
                lines += [_paragraph(self.comments.get((FILE_SERVICE, s, SERVICE_METHOD, m), "")), ""]
                for type_name in (method.input_type, method.output_type):
                    short = type_name.rsplit(".", 1)[-1]
                    if short in by_name and short not in documented:
                        message, path = by_name[short]
                        lines += self._message_section(message, path, "###")
                        documented.add(short)
        others = [(m, p) for m, p in self._messages() if m.name not in documented]
        if others or self.file.enum_type:
            lines += ["## Types", ""]
        for message, path in others:
            lines += self._message_section(message, path, "###")
        for e, enum in enumerate(self.file.enum_type):
            lines += self._enum_section(enum, (FILE_ENUM, e))
        return "\n".join(lines).rstrip("\n") + "\n"


def render_all(descriptor_set: descriptor_pb2.FileDescriptorSet) -> dict[str, str]:
    """Page name to Markdown for every Loom proto file, plus the index page README.md."""
    pages: dict[str, str] = {}
    index = [
        "# Loom API reference",
        "",
        "Generated by `infra/scripts/protodoc.py` from `proto/loom`; regenerate after changing a proto.",
        "",
        "| Package | Services |",
        "|---|---|",
    ]
    for file in sorted(descriptor_set.file, key=lambda f: f.name):
        if not file.package.startswith("loom."):
            continue
        name = PackageDoc.page_name(file.package)
        pages[name] = PackageDoc(file).render()
        services = ", ".join(s.name for s in file.service) or "shared types"
        index.append(f"| [{file.package}]({name}) | {services} |")
    pages["README.md"] = "\n".join(index) + "\n"
    return pages


def main(argv: list[str] | None = None) -> int:
    """Write docs/api, or with --check report whether it matches the protos."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 when docs/api is stale")
    parser.add_argument("--out", type=Path, default=DOCS_DIR, help="output directory (default docs/api)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        pages = render_all(build_descriptor_set(Path(tmp)))
    if args.check:
        stale = sorted(
            name
            for name, text in pages.items()
            if not (args.out / name).is_file() or (args.out / name).read_text() != text
        )
        extra = sorted(p.name for p in args.out.glob("*.md") if p.name not in pages) if args.out.is_dir() else []
        if stale or extra:
            print(f"{args.out} is stale ({', '.join(stale + extra)}): run infra/scripts/protodoc.py")
            return 1
        print(f"{args.out} is up to date")
        return 0
    args.out.mkdir(parents=True, exist_ok=True)
    for name, text in pages.items():
        (args.out / name).write_text(text)
    for old in args.out.glob("*.md"):
        if old.name not in pages:
            old.unlink()
    print(f"wrote {len(pages)} pages to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
