// The axes a cost surface can be drawn along, in the words of the command line's --axes and of every
// message that refuses one.
export const AXES_HELP = 'params:NAME,NAME (e.g. params:W1[0,0],b1[0]), random, plane, pca, local, hessian (top and bottom eigenvectors) or hessian-top (top two)';
