/** Serves stored image bytes: private (a face), immutable (content-addressed), never sniffed. */
export function imageResponse(image: { bytes: Buffer; type: string; hash: string }): Response {
  return new Response(new Uint8Array(image.bytes), {
    headers: {
      'content-type': image.type,
      'content-length': String(image.bytes.byteLength),
      'cache-control': 'private, max-age=31536000, immutable',
      etag: `"${image.hash}"`,
      'x-content-type-options': 'nosniff',
      'content-security-policy': "default-src 'none'",
    },
  });
}
