import { describe, expect, it } from 'vitest';
import { MAX_NEXT_PATH_LENGTH, safeNextPath } from '../src/client/next-path';

describe('next= accepts only same-origin paths', () => {
  it.each([
    ['/r/abc123', '/r/abc123'],
    ['/r/abc123?x=1#top', '/r/abc123?x=1#top'],
    ['/', '/'],
    ['/enroll?next=%2Fr%2Fabc', '/enroll?next=%2Fr%2Fabc'],
    ['/r/a%20b', '/r/a%20b'],
    ['/javascript:alert(1)', '/javascript:alert(1)'],
  ])('keeps %s', (raw, expected) => {
    expect(safeNextPath(raw)).toBe(expected);
  });

  it.each([
    ['nothing', null],
    ['an empty string', ''],
    ['a backslash host', '/\\evil.example'],
    ['a protocol-relative host', '//evil.example'],
    ['three slashes', '///evil.example'],
    ['a backslash first', '\\\\evil.example'],
    ['a backslash later', '/r/\\evil'],
    ['a tab that the URL parser drops', '/\t/evil.example'],
    ['a newline', '/\n/evil.example'],
    ['a carriage return', '/\r/evil.example'],
    ['a NUL', '/r/\u0000'],
    ['DEL', '/r/\u007f'],
    ['an encoded slash pair', '/%2F%2Fevil.example'],
    ['an encoded second slash', '/%2Fevil.example'],
    ['an encoded backslash', '/%5Cevil.example'],
    ['a doubly encoded second slash', '/%252Fevil.example'],
    ['an encoded tab', '/%09/evil.example'],
    ['a malformed escape', '/r/%E0%A4%A'],
    ['an absolute http URL', 'http://evil.example/'],
    ['an https URL', 'https://evil.example/r/x'],
    ['a javascript: URL', 'javascript:alert(1)'],
    ['a data: URL', 'data:text/html,<script>alert(1)</script>'],
    ['a relative path', 'r/abc'],
    ['a leading space', ' /r/abc'],
    ['an over-long path', `/${'a'.repeat(MAX_NEXT_PATH_LENGTH)}`],
  ])('refuses %s', (_, raw) => {
    expect(safeNextPath(raw)).toBeNull();
  });
});
