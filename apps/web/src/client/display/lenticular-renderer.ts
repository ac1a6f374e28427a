import type { LenticularUniforms } from './calibration';

/**
 * The on-screen lenticular interleave, in a WebGL2 canvas: every subpixel of the device's
 * screen samples the quilt tile of the view its lenticule sends that subpixel towards.
 * The mapping is the standard one of the Looking Glass runtime (see calibration.ts:
 * lenticularUniforms and viewFraction, its CPU twin). The canvas should be the device's
 * native resolution (calibration screenW x screenH) shown full-screen on the device.
 */

const VERTEX = `#version 300 es
in vec2 position;
out vec2 uv;
void main() {
  uv = position * 0.5 + 0.5;
  gl_Position = vec4(position, 0.0, 1.0);
}`;

const FRAGMENT = `#version 300 es
precision highp float;
in vec2 uv;
out vec4 color;
uniform sampler2D quilt;
uniform float pitch;
uniform float tilt;
uniform float center;
uniform float subp;
uniform float invView;
uniform int ri;
uniform int bi;
uniform float flipY;
// cols, rows, views
uniform vec3 tile;
// the part of the texture the tiles fill (quilts may be padded)
uniform vec2 viewPortion;

vec2 quiltUv(vec2 inTile, float view) {
  float col = mod(view, tile.x);
  float row = floor(view / tile.x);
  return vec2((col + inTile.x) / tile.x, (row + inTile.y) / tile.y) * viewPortion;
}

void main() {
  vec2 p = vec2(uv.x, flipY > 0.5 ? 1.0 - uv.y : uv.y);
  vec3 rgb[3];
  for (int i = 0; i < 3; i++) {
    float z = (p.x + float(i) * subp + p.y * tilt) * pitch - center;
    z = fract(z);
    z = (1.0 - invView) * z + invView * (1.0 - z);
    float view = min(floor(z * tile.z), tile.z - 1.0);
    rgb[i] = texture(quilt, quiltUv(p, view)).rgb;
  }
  color = vec4(rgb[ri].r, rgb[1].g, rgb[bi].b, 1.0);
}`;

function compile(gl: WebGL2RenderingContext, type: number, source: string): WebGLShader {
  const shader = gl.createShader(type)!;
  gl.shaderSource(shader, source);
  gl.compileShader(shader);
  if (!gl.getShaderParameter(shader, gl.COMPILE_STATUS)) {
    throw new Error(`lenticular shader: ${gl.getShaderInfoLog(shader) ?? 'compile failed'}`);
  }
  return shader;
}

export class LenticularRenderer {
  private readonly gl: WebGL2RenderingContext;
  private readonly program: WebGLProgram;
  private readonly texture: WebGLTexture;

  constructor(readonly canvas: HTMLCanvasElement) {
    const gl = canvas.getContext('webgl2', { antialias: false, preserveDrawingBuffer: true });
    if (!gl) throw new Error('WebGL2 is not available in this browser');
    this.gl = gl;
    const program = gl.createProgram()!;
    gl.attachShader(program, compile(gl, gl.VERTEX_SHADER, VERTEX));
    gl.attachShader(program, compile(gl, gl.FRAGMENT_SHADER, FRAGMENT));
    gl.linkProgram(program);
    if (!gl.getProgramParameter(program, gl.LINK_STATUS)) {
      throw new Error(`lenticular program: ${gl.getProgramInfoLog(program) ?? 'link failed'}`);
    }
    this.program = program;
    const buffer = gl.createBuffer();
    gl.bindBuffer(gl.ARRAY_BUFFER, buffer);
    gl.bufferData(gl.ARRAY_BUFFER, new Float32Array([-1, -1, 1, -1, -1, 1, 1, 1]), gl.STATIC_DRAW);
    const location = gl.getAttribLocation(program, 'position');
    gl.enableVertexAttribArray(location);
    gl.vertexAttribPointer(location, 2, gl.FLOAT, false, 0, 0);
    this.texture = gl.createTexture()!;
    gl.bindTexture(gl.TEXTURE_2D, this.texture);
    gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_MIN_FILTER, gl.LINEAR);
    gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_MAG_FILTER, gl.LINEAR);
    gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_WRAP_S, gl.CLAMP_TO_EDGE);
    gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_WRAP_T, gl.CLAMP_TO_EDGE);
  }

  /** Draws `quilt` (view 0 bottom-left) interleaved for the calibrated device. */
  draw(
    quilt: TexImageSource,
    k: LenticularUniforms,
    spec: { cols: number; rows: number; portionX?: number; portionY?: number },
  ): void {
    const gl = this.gl;
    gl.viewport(0, 0, this.canvas.width, this.canvas.height);
    // biome-ignore lint/correctness/useHookAtTopLevel: WebGL's useProgram, not a React hook
    gl.useProgram(this.program);
    gl.bindTexture(gl.TEXTURE_2D, this.texture);
    // Image rows start at the top; the quilt's view 0 is bottom-left, so v = 0 must be the image bottom.
    gl.pixelStorei(gl.UNPACK_FLIP_Y_WEBGL, true);
    gl.texImage2D(gl.TEXTURE_2D, 0, gl.RGBA, gl.RGBA, gl.UNSIGNED_BYTE, quilt);
    const u = (name: string) => gl.getUniformLocation(this.program, name);
    gl.uniform1i(u('quilt'), 0);
    gl.uniform1f(u('pitch'), k.pitch);
    gl.uniform1f(u('tilt'), k.tilt);
    gl.uniform1f(u('center'), k.center);
    gl.uniform1f(u('subp'), k.subp);
    gl.uniform1f(u('invView'), k.invView);
    gl.uniform1i(u('ri'), k.ri);
    gl.uniform1i(u('bi'), k.bi);
    gl.uniform1f(u('flipY'), k.flipY);
    gl.uniform3f(u('tile'), spec.cols, spec.rows, spec.cols * spec.rows);
    gl.uniform2f(u('viewPortion'), spec.portionX ?? 1, spec.portionY ?? 1);
    gl.drawArrays(gl.TRIANGLE_STRIP, 0, 4);
  }
}
