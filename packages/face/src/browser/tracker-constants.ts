/**
 * Tracker facts other modules need without loading the tracker (which pulls in human and tfjs).
 */

/** Input side of human's face mesh model (192 x 192): its z output is in these crop units. */
export const MESH_MODEL_INPUT = 192;
