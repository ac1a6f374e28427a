/**
 * Enrollment photos in Node (`@holocall/face/node/image`): the bounded decoder the inference
 * node lifts from and the web app normalises with, EXIF orientation, area downscaling, and the
 * normalisation the web app stores. Node only (zlib, pngjs, jpeg-js).
 */
export * from './decode';
export * from './downscale';
export * from './jpeg-layout';
export * from './normalize';
export * from './orientation';
export * from './png-layout';
