package org.otter;

/**
 * Statistics of one bandit arm, for people and dashboards. NaN where the policy has no such
 * notion.
 *
 * @param arm the arm name
 * @param pulls rewards learned from (including default rewards at expiry)
 * @param rewardSum the sum of those rewards
 * @param mean the mean reward
 * @param estimate the policy's value estimate (posterior mean, ...)
 * @param lower lower end of the 95% interval of the estimate
 * @param upper upper end of the 95% interval of the estimate
 * @param probBest probability of being the best arm (Monte Carlo), NaN if none
 */
public record ArmStats(String arm, long pulls, double rewardSum, double mean, double estimate,
        double lower, double upper, double probBest) {}
