#!/usr/bin/env python3
"""Checks what jsii-pacmak generated for the other languages, without their
runtimes (which this project's machines cannot install: PyPI, Maven Central,
NuGet and the Go proxy are out of reach).

- Python: parses the generated modules with `ast` and checks that every type
  of the assembly is there with every property (as keyword argument or
  attribute) and every method; then builds a wheel offline (Debian's
  setuptools + wheel) and checks it carries the modules and the assembly.
- Java, .NET, Go: checks that every type has its generated source file and
  that each method name appears in it.

Usage: check_packages.py <assembly .jsii> <pacmak output dir>
Exits 1 with a list of what is missing.
"""
import ast
import keyword
import json
import os
import re
import subprocess
import sys
import zipfile

assembly_path, out = sys.argv[1], os.path.abspath(sys.argv[2])
assembly = json.load(open(assembly_path))
name = assembly['name']
missing = []
checked = {'python': 0, 'java': 0, 'dotnet': 0, 'go': 0}


def snake(s):
    s = re.sub(r'([A-Z]+)([A-Z][a-z])', r'\1_\2', s)
    s = re.sub(r'([a-z0-9])([A-Z])', r'\1_\2', s).lower()
    # jsii appends '_' to Python keywords (from -> from_)
    return s + '_' if keyword.iskeyword(s) else s


def split_fqn(fqn):
    parts = fqn[len(name) + 1:].split('.')
    return parts[:-1], parts[-1]


def all_properties(t):
    props = list(t.get('properties', []))
    for parent in t.get('interfaces', []):
        if parent in assembly['types']:
            props += all_properties(assembly['types'][parent])
    return props


# --- Python -----------------------------------------------------------------
py_root = os.path.join(out, 'python')
py_pkg = os.path.join(py_root, 'src', assembly['targets']['python']['module'])
py_classes = {}
for sub in [[]] + [[s[len(name) + 1:]] for s in assembly.get('submodules', {})]:
    path = os.path.join(py_pkg, *sub, '__init__.py')
    tree = ast.parse(open(path).read(), path)
    for node in tree.body:
        if isinstance(node, ast.ClassDef):
            py_classes[tuple(sub) + (node.name,)] = node

for fqn, t in assembly['types'].items():
    sub, type_name = split_fqn(fqn)
    cls = py_classes.get(tuple(sub) + (type_name,))
    if cls is None:
        missing.append(f'python: no class {".".join(sub + [type_name])}')
        continue
    members = set()
    for node in ast.walk(cls):
        if isinstance(node, (ast.FunctionDef,)):
            members.add(node.name)
            members.update(a.arg for a in node.args.kwonlyargs + node.args.args)
    expected = [snake(p['name']) if not p.get('const') else p['name'] for p in all_properties(t)]
    expected += [snake(m['name']) for m in t.get('methods', [])]
    for member in expected:
        checked['python'] += 1
        if member not in members:
            missing.append(f'python: {type_name} has no {member}')

# A wheel, built offline with the system Python's setuptools and wheel.
dist = os.path.join(out, 'wheels')
subprocess.run(['/usr/bin/python3', 'setup.py', '-q', 'bdist_wheel', '-d', dist], cwd=py_root, check=True,
               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
wheels = [w for w in os.listdir(dist) if w.endswith('.whl')]
if len(wheels) != 1:
    missing.append(f'python: expected one wheel, found {wheels}')
else:
    names = zipfile.ZipFile(os.path.join(dist, wheels[0])).namelist()
    module = assembly['targets']['python']['module']
    for required in [f'{module}/__init__.py', f'{module}/py.typed'] + [f'{module}/{s[len(name) + 1:]}/__init__.py' for s in assembly.get('submodules', {})]:
        if required not in names:
            missing.append(f'python wheel: no {required}')
    if not any(n.startswith(f'{module}/_jsii/') and n.endswith('.jsii.tgz') for n in names):
        missing.append('python wheel: no bundled assembly (_jsii/*.jsii.tgz)')


# --- Java, .NET, Go -----------------------------------------------------------
def source(lang, sub, type_name, t):
    if lang == 'java':
        package = assembly['targets']['java']['package'].replace('.', '/')
        return os.path.join(out, 'java', 'src', 'main', 'java', package, *sub, f'{type_name}.java')
    if lang == 'dotnet':
        ns = assembly['targets']['dotnet']['namespace']
        prefix = 'I' if t.get('datatype') else ''
        return os.path.join(out, 'dotnet', ns, ns, *[s.capitalize() for s in sub], f'{prefix}{type_name}.cs')
    go_package = assembly['targets']['go'].get('packageName') or re.sub(r'[^a-z0-9]', '', name.lower())
    return os.path.join(out, 'go', go_package, *sub, f'{type_name}.go')


for lang in ['java', 'dotnet', 'go']:
    for fqn, t in assembly['types'].items():
        sub, type_name = split_fqn(fqn)
        path = source(lang, sub, type_name, t)
        checked[lang] += 1
        if not os.path.exists(path):
            missing.append(f'{lang}: no {os.path.relpath(path, out)}')
            continue
        text = open(path).read()
        for m in t.get('methods', []):
            checked[lang] += 1
            if m['name'].lower() not in text.lower():
                missing.append(f'{lang}: {type_name} has no method {m["name"]}')

print(f"checked {len(assembly['types'])} types: " + ', '.join(f'{k} {v} names' for k, v in checked.items()) + f"; wheel {', '.join(wheels)}")
if missing:
    print('\n'.join(missing), file=sys.stderr)
    sys.exit(1)
