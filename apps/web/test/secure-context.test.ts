import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import { RequireSecureContext, SecureContextNotice } from '../src/client/components/SecureContextNotice';
import { type SecureContextProblem, secureContextProblem } from '../src/client/secure-context';

/** The call and enrollment pages' decision (components/SecureContextNotice.tsx). */
describe('secureContextProblem', () => {
  it('is none for HTTPS or localhost with a camera API', () => {
    expect(
      secureContextProblem({ isSecureContext: true, hasMediaDevices: true, href: 'https://calls.lan:3000/r/x' }),
    ).toBeNull();
    expect(
      secureContextProblem({ isSecureContext: true, hasMediaDevices: true, href: 'http://localhost:3000/r/x' }),
    ).toBeNull();
  });

  it('over plain http from another address: explains and names the https address and the host to set', () => {
    expect(
      secureContextProblem({
        isSecureContext: false,
        hasMediaDevices: false,
        href: 'http://192.168.1.20:3000/r/abc?x=1',
      }),
    ).toEqual({
      kind: 'insecure-origin',
      pageUrl: 'http://192.168.1.20:3000/r/abc?x=1',
      httpsUrl: 'https://192.168.1.20:3000/r/abc?x=1',
      host: '192.168.1.20',
    });
    const v6 = secureContextProblem({
      isSecureContext: false,
      hasMediaDevices: false,
      href: 'http://[fd00::5]:3000/enroll',
    });
    expect(v6).toMatchObject({ kind: 'insecure-origin', host: 'fd00::5', httpsUrl: 'https://[fd00::5]:3000/enroll' });
  });

  it('insecure wins even where a browser still exposes mediaDevices; a secure page without it is its own case', () => {
    expect(secureContextProblem({ isSecureContext: false, hasMediaDevices: true, href: 'http://h:1/' })?.kind).toBe(
      'insecure-origin',
    );
    expect(secureContextProblem({ isSecureContext: true, hasMediaDevices: false, href: 'https://h/' })).toEqual({
      kind: 'no-media-devices',
      pageUrl: 'https://h/',
    });
  });
});

describe('SecureContextNotice', () => {
  it('tells the visitor what is wrong and the host what to run', () => {
    const problem = secureContextProblem({
      isSecureContext: false,
      hasMediaDevices: false,
      href: 'http://192.168.1.20:3000/r/abc',
    }) as SecureContextProblem;
    const html = renderToStaticMarkup(createElement(SecureContextNotice, { problem, what: 'a call' }));
    expect(html).toContain('This address is not secure');
    expect(html).toContain('HOLOCALL_PUBLIC_HOST=192.168.1.20 npm start');
    expect(html).toContain('https://192.168.1.20:3000/r/abc');
    expect(html).toContain('role="alert"');
  });

  it('renders none of the guarded page on the server, where the browser has not checked yet', () => {
    const child = createElement('p', { id: 'guarded' }, 'camera page');
    const html = renderToStaticMarkup(createElement(RequireSecureContext, { what: 'a call' }, child));
    expect(html).not.toContain('guarded');
    expect(html).toContain('Loading');
  });
});
